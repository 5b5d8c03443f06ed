import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent } from './helpers/events.js';
import { sendWithNodemailer, useScenario } from './helpers/faults.js';
import { httpReceiver } from './helpers/http-receiver.js';
import { expectMailgunSigned, expectSendGridSigned, expectSnsSigned } from './helpers/provider-signatures.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// Provider event webhooks and the bounce relay wired to the real pipeline: a message sent with
// nodemailer, a bounce scenario, the clock advanced; each provider's post received by a local
// HTTP server and verified the way that provider tells receivers to verify it; the DSN also
// relayed over SMTP to a second, independent smtp-server.

const FROZEN = Date.UTC(2026, 0, 5, 9, 0, 0);

let sim: TestSim;
let hook: Awaited<ReturnType<typeof httpReceiver>>;
let inbound: SMTPServer;
const relayed: Array<{ from: string; to: string[]; raw: string }> = [];
beforeAll(async () => {
  hook = await httpReceiver();
  inbound = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        relayed.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : 'none', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString() });
        callback(null, 'Ok: queued as RELAY1');
      });
    },
  });
  await new Promise<void>((resolve) => inbound.listen(0, '127.0.0.1', resolve));
  const relayPort = (inbound.server.address() as AddressInfo).port;
  sim = await startSim(
    {
      providerEvents: ['sendgrid', 'ses', 'mailgun', 'postmark'].map((provider) => ({ provider, url: `${hook.base.replace('http://', provider === 'postmark' ? 'http://pm:secret@' : 'http://')}/${provider}` })) as never,
      mailgunSigningKey: 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0',
      bounceRelay: `smtp://127.0.0.1:${relayPort}`,
    },
    { now: () => FROZEN },
  );
});
afterAll(async () => {
  await sim.stop();
  await hook.close();
  await new Promise<void>((resolve) => inbound.close(() => resolve()));
});

const byProvider = (provider: string) => hook.requests.filter((r) => r.url.startsWith(`/${provider}`));

describe('provider event webhooks from delivery events', () => {
  it('a delivered and a bounced recipient: each provider posts its own format, signed its own way, every post recorded', async () => {
    await useScenario(sim, { name: 'remote-bounce', rules: [{ name: 'unknown', when: { phase: 'rcpt', recipient: 'gone@*' }, action: { bounce: { after: '10m', reply: '550 5.1.1 <{recipient}>: user unknown' } } }] });
    const sent = await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'bounce@app.example', to: ['ok@example.org', 'gone@example.org'] }, from: 'App <app@app.example>', to: 'ok@example.org, gone@example.org', subject: 'Invoice 7', messageId: '<inv7@app.example>' });
    expect(sent.ok).toBe(true);
    // delivered: one post per provider (SES posts Delivery; all four know "delivered").
    await hook.got(4);
    const bounced = nextEvent(sim.harness.bus, 'delivery.event', (e) => e.kind === 'bounced');
    await getJson(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: '10m' }) });
    const event = await bounced;
    await hook.got(8);
    await sim.harness.providerEvents!.idle();
    const keys = (await getJson(`${sim.url}/api/v1/provider-events/keys`)).body;

    // SendGrid: a JSON array; ECDSA P-256 over SHA-256 of timestamp + raw body, verified with the verification key.
    const [sgDelivered, sgBounce] = byProvider('sendgrid');
    const sgBody = JSON.parse(sgBounce!.body);
    expect(JSON.parse(sgDelivered!.body)[0]).toMatchObject({ email: 'ok@example.org', event: 'delivered', 'smtp-id': '<inv7@app.example>' });
    expect(sgBody).toEqual([expect.objectContaining({ email: 'gone@example.org', event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 <gone@example.org>: user unknown', timestamp: Math.floor((FROZEN + 600_000) / 1000) })]);
    for (const request of [sgDelivered!, sgBounce!]) expectSendGridSigned(request, keys.SendGridVerificationKey);

    // SES through SNS: the signature checked with the certificate fetched from SigningCertURL (served by mailsim on loopback).
    const [sesDelivery, sesBounce] = byProvider('ses').map((r) => JSON.parse(r.body) as Record<string, string>);
    expect(JSON.parse(sesDelivery!.Message!).notificationType).toBe('Delivery');
    const sesJson = JSON.parse(sesBounce!.Message!);
    expect(sesJson).toMatchObject({ notificationType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'NoEmail', bouncedRecipients: [{ emailAddress: 'gone@example.org', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <gone@example.org>: user unknown' }] }, mail: { source: 'bounce@app.example', commonHeaders: { subject: 'Invoice 7', messageId: '<inv7@app.example>' } } });
    expect(sesBounce!.SigningCertURL).toBe(keys.SnsSigningCertURL);
    for (const message of [sesDelivery!, sesBounce!]) await expectSnsSigned(message);

    // Mailgun: HMAC-SHA256 of timestamp + token with the signing key.
    const [mgDelivered, mgFailed] = byProvider('mailgun').map((r) => JSON.parse(r.body));
    expect(mgFailed['event-data']).toMatchObject({ event: 'failed', severity: 'permanent', recipient: 'gone@example.org', 'delivery-status': { code: 550 } });
    expect(mgDelivered['event-data']).toMatchObject({ event: 'delivered', recipient: 'ok@example.org' });
    for (const { signature } of [mgDelivered, mgFailed]) expectMailgunSigned(signature, 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0');

    // Postmark: no signature; basic auth from the URL.
    const [pmDelivery, pmBounce] = byProvider('postmark');
    expect(pmBounce!.headers.authorization).toBe(`Basic ${Buffer.from('pm:secret').toString('base64')}`);
    expect(JSON.parse(pmDelivery!.body)).toMatchObject({ RecordType: 'Delivery', Recipient: 'ok@example.org' });
    expect(JSON.parse(pmBounce!.body)).toMatchObject({ RecordType: 'Bounce', Type: 'HardBounce', Email: 'gone@example.org', From: 'bounce@app.example', Subject: 'Invoice 7', Details: 'smtp;550 5.1.1 <gone@example.org>: user unknown' });

    const posts = (await getJson<Array<{ provider: string; label: string; status: number; ok: boolean }>>(`${sim.url}/api/v1/provider-events`)).body;
    expect(posts.map((p) => [p.provider, p.label, p.status, p.ok]).sort()).toEqual(
      [
        ['mailgun', 'mailgun delivered', 200, true],
        ['mailgun', 'mailgun failed', 200, true],
        ['postmark', 'postmark Bounce', 200, true],
        ['postmark', 'postmark Delivery', 200, true],
        ['sendgrid', 'sendgrid bounce', 200, true],
        ['sendgrid', 'sendgrid delivered', 200, true],
        ['ses', 'ses Bounce', 200, true],
        ['ses', 'ses Delivery', 200, true],
      ].sort(),
    );

    // --bounce-relay: the same DSN, MAIL FROM:<> to the envelope sender, over SMTP to the second server.
    await sim.harness.bounceRelay!.idle();
    expect(relayed).toHaveLength(1);
    expect(relayed[0]).toMatchObject({ from: '', to: ['bounce@app.example'] });
    const stored = Buffer.from(await (await fetch(`${sim.url}/api/v1/message/${event.bounceId}/raw`)).arrayBuffer()).toString();
    expect(relayed[0]!.raw).toBe(stored);
    expect((await getJson(`${sim.url}/api/v1/bounce-relay`)).body).toEqual([expect.objectContaining({ id: event.bounceId, attempt: 1, ok: true, response: '250 Ok: queued as RELAY1' })]);
  });
});

describe('the bounce relay', () => {
  it('retries a refused delivery and records each attempt with the reply', async () => {
    let n = 0;
    const flaky = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => (n++ === 0 ? callback(Object.assign(new Error('Try again later'), { responseCode: 451 })) : callback(null, 'Ok')));
      },
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const { BounceRelay } = await import('../server/app/bounce-relay.js');
    const { silentLog } = await import('../server/ports/log.js');
    const relay = new BounceRelay({ url: `smtp://127.0.0.1:${(flaky.server.address() as AddressInfo).port}`, log: silentLog, backoffMs: 5 });
    relay.deliver('B1', Buffer.from('From: MAILER-DAEMON@x\r\nSubject: bounce\r\n\r\nx\r\n'), 'bounce@app.example');
    await relay.idle();
    relay.close();
    await new Promise<void>((resolve) => flaky.close(() => resolve()));
    expect(relay.history().map((r) => [r.id, r.attempt, r.ok])).toEqual([
      ['B1', 1, false],
      ['B1', 2, true],
    ]);
    expect(relay.history()[0]!.response).toMatch(/451 Try again later/);
  });
});
