import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessagesSummary, Message } from '../server/protocol.js';
import { sendWithNodemailer, useScenario } from './helpers/faults.js';
import { httpReceiver, type ReceivedRequest } from './helpers/http-receiver.js';
import { expectMailgunSigned, expectSendGridSigned, expectSnsSigned } from './helpers/provider-signatures.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// The dropped and spam delivery events (issue 13 item 5): the drop action (accepted, never
// delivered, no DSN) and POST /api/v1/message/{ID}/complaint, each posted in every provider's
// own format to a local receiver, checked field by field and verified as each provider says.

const FROZEN = Date.UTC(2026, 0, 5, 9, 0, 0);
const MAILGUN_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
let sim: TestSim;
let hook: Awaited<ReturnType<typeof httpReceiver>>;
beforeAll(async () => {
  hook = await httpReceiver();
  sim = await startSim(
    { providerEvents: ['sendgrid', 'ses', 'mailgun', 'postmark'].map((provider) => ({ provider, url: `${hook.base}/${provider}` })) as never, mailgunSigningKey: MAILGUN_KEY },
    { now: () => FROZEN },
  );
});
beforeEach(() => sim.harness.reset());
afterAll(async () => {
  await sim.stop();
  await hook.close();
});

const messages = async () => (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.messages;
const posts = (from: number, provider: string) => hook.requests.slice(from).filter((r) => r.url === `/${provider}`);
const keys = async () => (await getJson<{ SendGridVerificationKey: string }>(`${sim.url}/api/v1/provider-events/keys`)).body;

const verifySendGrid = async (request: ReceivedRequest) => expectSendGridSigned(request, (await keys()).SendGridVerificationKey);
const verifySns = expectSnsSigned;
const verifyMailgun = (signature: { timestamp: string; token: string; signature: string }) => expectMailgunSigned(signature, MAILGUN_KEY);

describe('the drop action', () => {
  it('accepts with 250, keeps the message tagged dropped, sends no DSN, and posts dropped events with the reason (SendGrid, SES, Mailgun; Postmark posts none)', async () => {
    await useScenario(sim, { name: 'suppressed', rules: [{ name: 'unsubscribed', when: { phase: 'rcpt', recipient: 'unsub@*' }, action: { drop: { reason: 'Unsubscribed Address' } } }] });
    const start = hook.requests.length;
    const sent = await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'bounce@app.example', to: ['ok@example.org', 'unsub@example.org'] }, from: 'app@app.example', to: 'ok@example.org, unsub@example.org', subject: 'News', messageId: '<news1@app.example>' });
    expect(sent).toMatchObject({ ok: true, accepted: ['ok@example.org', 'unsub@example.org'] });
    // delivered for ok@ (4 providers) + dropped for unsub@ (3: Postmark refuses such a send at its API and posts nothing).
    await hook.got(start + 7);
    await sim.harness.providerEvents!.idle();
    const [original] = await messages();
    expect((await getJson<Message>(`${sim.url}/api/v1/message/${original!.ID}`)).body.Tags).toContain('dropped');
    await getJson(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: '1d' }) });
    expect(await messages()).toHaveLength(1);

    const sg = posts(start, 'sendgrid').map((r) => [r, JSON.parse(r.body)[0]] as const).find(([, e]) => e.event === 'dropped')!;
    expect(Object.keys(sg[1]).sort()).toEqual(['email', 'event', 'reason', 'sg_event_id', 'sg_message_id', 'smtp-id', 'status', 'timestamp']);
    expect(sg[1]).toMatchObject({ email: 'unsub@example.org', event: 'dropped', reason: 'Unsubscribed Address', status: '5.0.0', 'smtp-id': '<news1@app.example>', timestamp: FROZEN / 1000 });
    await verifySendGrid(sg[0]);

    const ses = posts(start, 'ses').map((r) => JSON.parse(r.body) as Record<string, string>).find((m) => JSON.parse(m.Message!).notificationType === 'Bounce')!;
    expect(JSON.parse(ses.Message!).bounce).toMatchObject({ bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList', bouncedRecipients: [{ emailAddress: 'unsub@example.org', action: 'failed', status: '5.0.0' }] });
    await verifySns(ses);

    const mg = posts(start, 'mailgun').map((r) => JSON.parse(r.body)).find((b) => b['event-data'].event === 'failed')!;
    expect(mg['event-data']).toMatchObject({ event: 'failed', severity: 'permanent', reason: 'suppress-unsubscribe', recipient: 'unsub@example.org', 'delivery-status': { code: 605 } });
    verifyMailgun(mg.signature);
    expect(posts(start, 'postmark').map((r) => JSON.parse(r.body).RecordType)).toEqual(['Delivery']);
  });
});

describe('POST /api/v1/message/{ID}/complaint', () => {
  it('publishes a spam event per recipient, posted as SendGrid spamreport, SES Complaint, Mailgun complained, Postmark SpamComplaint', async () => {
    await useScenario(sim, { name: 'plain', rules: [] });
    const sent = await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'bounce@app.example', to: ['a@example.org', 'b@example.org'] }, from: 'App <app@app.example>', to: 'a@example.org, b@example.org', subject: 'Offer', messageId: '<offer1@app.example>' });
    expect(sent.ok).toBe(true);
    const start = hook.requests.length + 8;
    await hook.got(start);
    const original = (await messages()).find((m) => m.Subject === 'Offer')!;
    const answer = await getJson(`${sim.url}/api/v1/message/${original.ID}/complaint`, { method: 'POST', body: JSON.stringify({ Recipients: ['b@example.org'], FeedbackType: 'fraud' }) });
    expect(answer).toMatchObject({ status: 200, body: { Recipients: ['b@example.org'], FeedbackType: 'fraud' } });
    await hook.got(start + 4);
    await sim.harness.providerEvents!.idle();

    const [sgRequest] = posts(start, 'sendgrid');
    const [sg] = JSON.parse(sgRequest!.body);
    expect(Object.keys(sg).sort()).toEqual(['email', 'event', 'sg_event_id', 'sg_message_id', 'smtp-id', 'timestamp']);
    expect(sg).toMatchObject({ email: 'b@example.org', event: 'spamreport', 'smtp-id': '<offer1@app.example>', sg_message_id: expect.stringMatching(new RegExp(`^${original.ID}\\.`)) });
    await verifySendGrid(sgRequest!);

    const ses = JSON.parse(posts(start, 'ses')[0]!.body) as Record<string, string>;
    const notification = JSON.parse(ses.Message!);
    expect(notification.notificationType).toBe('Complaint');
    expect(notification.complaint).toEqual({
      userAgent: expect.any(String),
      complainedRecipients: [{ emailAddress: 'b@example.org' }],
      complaintFeedbackType: 'fraud',
      complaintSubType: null,
      arrivalDate: new Date(FROZEN).toISOString(),
      timestamp: new Date(FROZEN).toISOString(),
      feedbackId: expect.stringMatching(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/),
    });
    expect(notification.mail).toMatchObject({ messageId: original.ID, source: 'bounce@app.example', commonHeaders: { subject: 'Offer', messageId: '<offer1@app.example>' } });
    await verifySns(ses);

    const mg = JSON.parse(posts(start, 'mailgun')[0]!.body);
    expect(mg['event-data']).toMatchObject({ event: 'complained', 'log-level': 'warn', recipient: 'b@example.org', 'recipient-domain': 'example.org', message: { headers: { 'message-id': 'offer1@app.example', subject: 'Offer' } } });
    expect(mg['event-data']['delivery-status']).toBeUndefined();
    verifyMailgun(mg.signature);

    const pm = JSON.parse(posts(start, 'postmark')[0]!.body);
    expect(pm).toMatchObject({ RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 512, Email: 'b@example.org', From: 'bounce@app.example', MessageID: original.ID, Subject: 'Offer', Inactive: true, CanActivate: false, MessageStream: 'outbound', BouncedAt: new Date(FROZEN).toISOString() });
    expect(typeof pm.ID).toBe('number');
    // Only b@ complained: a@ got no spam post anywhere.
    expect(hook.requests.slice(start)).toHaveLength(4);
  });

  it('without a body every envelope recipient complains (abuse); an unknown message is 404, an unknown FeedbackType 400', async () => {
    expect((await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'bounce@app.example', to: ['x@example.org', 'y@example.org'] } })).ok).toBe(true);
    const [message] = await messages();
    expect(await getJson(`${sim.url}/api/v1/message/${message!.ID}/complaint`, { method: 'POST' })).toMatchObject({ status: 200, body: { Recipients: message!.Envelope.To, FeedbackType: 'abuse' } });
    expect((await getJson(`${sim.url}/api/v1/message/nope/complaint`, { method: 'POST', body: '{}' })).status).toBe(404);
    const bad = await getJson<{ Error: string }>(`${sim.url}/api/v1/message/${message!.ID}/complaint`, { method: 'POST', body: JSON.stringify({ FeedbackType: 'annoyed' }) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('FeedbackType');
  });
});
