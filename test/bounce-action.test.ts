import { simpleParser, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../server/events/bus.js';
import type { ScenarioInput } from '../server/faults/schema.js';
import type { Message, Session } from '../server/protocol.js';
import { nextEvent } from './helpers/events.js';
import { sendWithNodemailer, smtplib, useScenario } from './helpers/faults.js';
import { FROZEN, useFrozenSim } from './helpers/frozen-sim.js';
import { getJson, type TestSim } from './helpers/sim.js';

// The bounce action end to end: a real client gets 250, the scenario clock is advanced (never
// waited for), and the DSN is stored addressed to the envelope sender, parsed back with mailparser.

const VERP = 'bounce+123-res.partner-7@app.example';
let sim: TestSim;
const { advance, messages, raw } = useFrozenSim((s) => (sim = s));

const scenario = (rules: NonNullable<ScenarioInput['rules']>, extra: Partial<ScenarioInput> = {}) =>
  useScenario(sim, { name: 'bounces', persona: { extensions: ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES', 'DSN', 'SIZE'] }, rules, ...extra });
const message = async (id: string) => (await getJson<Message>(`${sim.url}/api/v1/message/${id}`)).body;
const parsed = async (id: string): Promise<ParsedMail & { raw: Buffer }> => {
  const bytes = await raw(id);
  return Object.assign(await simpleParser(bytes), { raw: bytes });
};
/** The message/delivery-status part as "Name: value" blocks (mailparser folds that part into the text, so it is cut from the raw MIME). */
function statusBlocks(mail: ParsedMail & { raw?: Buffer }): Array<Record<string, string>> {
  const source = mail.raw!.toString();
  const at = source.search(/^Content-Type: message\/delivery-status/im);
  if (at < 0) throw new Error('no message/delivery-status part');
  const body = source.slice(source.indexOf('\r\n\r\n', at) + 4);
  return body
    .slice(0, body.indexOf('\r\n--'))
    .replace(/\r\n[ \t]+/g, ' ')
    .split(/\r\n\r\n/)
    .filter((block) => block.trim())
    .map((block) => Object.fromEntries(block.split(/\r\n/).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()])));
}
/** The Content-Types of the report's three parts, in order. */
function partTypes(mail: ParsedMail & { raw?: Buffer }): string[] {
  const source = mail.raw!.toString();
  const boundary = /boundary="?([^";\r\n]+)"?/.exec(source)![1]!;
  return source
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => /Content-Type: ([^;\r\n]+)/i.exec(part)?.[1] ?? '');
}
const bounced = (predicate: (e: DeliveryEvent) => boolean = (e) => e.kind === 'bounced') => nextEvent(sim.harness.bus, 'delivery.event', predicate, 4_000);

describe('the bounce action', () => {
  it('accepts with 250, then after the delay on the scenario clock stores a multipart/report DSN addressed to the VERP sender, linked both ways', async () => {
    await scenario([{ name: 'remote-unknown-user', when: { phase: 'data-end' }, action: { bounce: { recipients: '*@bounce.example', after: '1h', reply: '550 5.1.1 <{recipient}>: Recipient address rejected: User unknown' } } }]);
    const delivered = nextEvent(sim.harness.bus, 'delivery.event', (e) => e.kind === 'delivered');
    const sent = await sendWithNodemailer(sim.smtpPort, { envelope: { from: VERP, to: ['gone@bounce.example', 'fine@example.org'] }, from: 'Odoo <notifications@app.example>', to: 'gone@bounce.example, fine@example.org', messageId: '<abc.123@odoo.example>' });
    expect(sent).toMatchObject({ ok: true, accepted: ['gone@bounce.example', 'fine@example.org'] });
    expect(await delivered).toMatchObject({ kind: 'delivered', recipient: 'fine@example.org', envelopeFrom: VERP, scenario: 'bounces' });
    const [original] = await messages();
    expect(await messages()).toHaveLength(1);
    // Not yet due: half the delay changes nothing.
    await advance('30m');
    expect(await messages()).toHaveLength(1);
    const event = bounced();
    await advance('30m');
    const bounce = await event;
    expect(bounce).toMatchObject({ kind: 'bounced', messageId: original!.ID, recipient: 'gone@bounce.example', status: '5.1.1', reply: '550 5.1.1 <gone@bounce.example>: Recipient address rejected: User unknown', at: FROZEN + 3_600_000 });
    const list = await messages();
    expect(list).toHaveLength(2);
    const dsn = list.find((m) => m.ID === bounce.bounceId)!;
    expect(dsn.Envelope).toEqual({ From: '', To: [VERP] });
    const mail = await parsed(dsn.ID);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(mail.to).toMatchObject({ value: [{ address: VERP }] });
    expect(mail.inReplyTo).toBe('<abc.123@odoo.example>');
    const [perMessage, perRecipient, more] = statusBlocks(mail);
    expect(perMessage).toMatchObject({ 'Reporting-MTA': 'dns; mailsim.test' });
    expect(perRecipient).toMatchObject({ 'Final-Recipient': 'rfc822; gone@bounce.example', Action: 'failed', Status: '5.1.1', 'Diagnostic-Code': 'smtp; 550 5.1.1 <gone@bounce.example>: Recipient address rejected: User unknown' });
    expect(more).toBeUndefined();
    expect(partTypes(mail)).toEqual(['text/plain', 'message/delivery-status', 'message/rfc822']);
    expect((await message(dsn.ID))).toMatchObject({
      IsBounce: true,
      SessionID: original!.SessionID,
      Bounce: { Action: 'failed', Status: '5.1.1', FinalRecipient: 'gone@bounce.example', ReportingMTA: 'mailsim.test', OriginalMessageID: '<abc.123@odoo.example>', OriginalID: original!.ID, SessionID: original!.SessionID, Style: 'postfix' },
      BounceIDs: [],
    });
    expect(await message(original!.ID)).toMatchObject({ IsBounce: false, Bounce: null, BounceIDs: [dsn.ID] });
    const session = (await getJson<Session>(`${sim.url}/api/v1/session/${original!.SessionID}`)).body;
    expect(session.Transcript.map((t) => t.Text).join('\n')).toContain('bounce planned for gone@bounce.example: failed in 3600000 ms');
  });

  it('at RCPT, a delayed report then a final failure; the provider style writes them (Gmail)', async () => {
    await scenario([{ name: 'slow-mx', when: { phase: 'rcpt', recipient: 'slow@*' }, action: { bounce: { kind: 'delayed', after: '4h', reply: '451 4.4.2 Timeout', then: { after: '44h', reply: '550 5.4.7 Message expired' } } } }], { bounceStyle: 'gmail' });
    await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'app@example.com', to: ['slow@example.net'] }, to: 'slow@example.net' });
    const deferred = bounced((e) => e.kind === 'deferred');
    await advance('4h');
    const delay = await deferred;
    const delayMail = await parsed(delay.bounceId!);
    expect(delayMail.subject).toBe('Delivery Status Notification (Delay)');
    expect(statusBlocks(delayMail)[1]).toMatchObject({ Action: 'delayed', Status: '4.4.2', 'Will-Retry-Until': 'Wed, 07 Jan 2026 09:00:00 +0000' });
    const failed = bounced();
    await advance('44h');
    const failure = await failed;
    expect(failure).toMatchObject({ status: '5.4.7', at: FROZEN + 48 * 3_600_000 });
    const failureMail = await parsed(failure.bounceId!);
    expect(failureMail.from?.value[0]?.address).toBe('mailer-daemon@googlemail.com');
    expect(statusBlocks(failureMail)[1]).toMatchObject({ Action: 'failed', Status: '5.4.7' });
    const original = (await messages()).find((m) => m.Envelope.From === 'app@example.com')!;
    expect((await message(original.ID)).BounceIDs).toEqual([delay.bounceId, failure.bounceId]);
  });

  it('honours RET=HDRS and RET=FULL, ENVID and ORCPT (nodemailer sends them because EHLO lists DSN); notes them in the transcript', async () => {
    await scenario([{ name: 'all-bounce', when: { phase: 'data-end' }, action: { bounce: { after: '1m' } } }]);
    const ehlo = await smtplib(sim.smtpPort, "print(s.ehlo()[1].decode())");
    expect(ehlo.split('\n')).toContain('DSN');
    for (const ret of ['HDRS', 'FULL'] as const) {
      await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'app@example.com', to: ['x@example.org'] }, text: 'the body text', dsn: { ret, envid: `env-${ret}`, notify: ['FAILURE'], recipient: 'orig@example.org' } });
    }
    const events: DeliveryEvent[] = [];
    const off = sim.harness.bus.on('delivery.event', (e) => e.kind === 'bounced' && events.push(e));
    await advance('1m');
    await expect.poll(() => events.length).toBe(2);
    off();
    const mails = await Promise.all(events.map((e) => parsed(e.bounceId!)));
    const byEnvid = Object.fromEntries(mails.map((m) => [statusBlocks(m)[0]!['Original-Envelope-Id'], m]));
    expect(partTypes(byEnvid['env-HDRS']!)).toEqual(['text/plain', 'message/delivery-status', 'text/rfc822-headers']);
    expect(byEnvid['env-HDRS']!.raw.toString()).not.toContain('the body text');
    expect(partTypes(byEnvid['env-FULL']!)).toEqual(['text/plain', 'message/delivery-status', 'message/rfc822']);
    expect(byEnvid['env-FULL']!.raw.toString()).toContain('the body text');
    expect(statusBlocks(byEnvid['env-FULL']!)[1]).toMatchObject({ 'Original-Recipient': 'rfc822;orig@example.org' });
    const original = (await messages()).find((m) => m.Envelope.From === 'app@example.com')!;
    const session = (await getJson<Session>(`${sim.url}/api/v1/session/${original.SessionID}`)).body;
    const notes = session.Transcript.map((t) => t.Text);
    expect(notes).toContain('DSN (RFC 3461): RET=FULL ENVID=env-FULL');
    expect(notes).toContain('DSN (RFC 3461): NOTIFY=FAILURE ORCPT=rfc822;orig@example.org');
  });

  it('NOTIFY=NEVER: no DSN (the event still comes); NOTIFY=SUCCESS: a success DSN "Action: delivered"', async () => {
    await scenario([{ name: 'never', when: { phase: 'rcpt', recipient: 'never@*' }, action: { bounce: { after: '1m' } } }]);
    await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'app@example.com', to: ['never@example.org'] }, dsn: { notify: 'NEVER' } });
    const event = bounced();
    await advance('1m');
    expect((await event).bounceId).toBeUndefined();
    expect(await messages()).toHaveLength(1);
    const success = nextEvent(sim.harness.bus, 'delivery.event', (e) => e.kind === 'delivered' && e.recipient === 'ok@example.org');
    const stored = nextEvent(sim.harness.bus, 'message.received', (m) => m.Envelope.From === '');
    await sendWithNodemailer(sim.smtpPort, { envelope: { from: 'app@example.com', to: ['ok@example.org'] }, dsn: { notify: ['SUCCESS'] } });
    await success;
    const report = await stored;
    expect(report.Subject).toBe('Successful Mail Delivery Report');
    expect(statusBlocks(await parsed(report.ID))[1]).toMatchObject({ 'Final-Recipient': 'rfc822; ok@example.org', Action: 'delivered', Status: '2.0.0' });
  });

  it('never bounces a message with the null reverse-path (RFC 5321 §4.5.5); the server goes on serving', async () => {
    await scenario([{ name: 'all-bounce', when: { phase: 'data-end' }, action: { bounce: true } }]);
    const reply = await smtplib(sim.smtpPort, "print(s.sendmail('<>', ['x@example.org'], b'Subject: a bounce\\r\\n\\r\\nx\\r\\n'))");
    expect(reply).toBe('{}');
    const event = bounced();
    await advance('30s');
    expect((await event).bounceId).toBeUndefined();
    expect(await messages()).toHaveLength(1);
    const [original] = await messages();
    const simulated = await getJson(`${sim.url}/api/v1/message/${original!.ID}/bounce`, { method: 'POST', body: '{}' });
    expect(simulated.status).toBe(400);
    expect(simulated.body.Error).toMatch(/null reverse-path/);
    expect(await sendWithNodemailer(sim.smtpPort, {})).toMatchObject({ ok: true });
  });
});

describe('POST /api/v1/message/{ID}/bounce', () => {
  it('bounces any stored message now, for all its recipients or those named, in the style asked', async () => {
    await sendWithNodemailer(sim.smtpPort, { envelope: { from: VERP, to: ['a@example.org', 'b@example.org'] }, messageId: '<m1@app.example>' });
    const [original] = await messages();
    const all = await getJson(`${sim.url}/api/v1/message/${original!.ID}/bounce`, { method: 'POST', body: '' });
    expect(all.status).toBe(201);
    expect(all.body.Bounce).toMatchObject({ Action: 'failed', Recipients: ['a@example.org', 'b@example.org'], OriginalID: original!.ID, OriginalMessageID: '<m1@app.example>' });
    const one = await getJson(`${sim.url}/api/v1/message/${original!.ID}/bounce`, { method: 'POST', body: JSON.stringify({ Recipients: ['b@example.org'], Status: '5.2.2', Reply: '552 5.2.2 Mailbox full', Style: 'microsoft' }) });
    expect(one.status).toBe(201);
    const mail = await parsed(one.body.ID);
    expect(mail.from?.value[0]?.address).toBe('postmaster@outlook.com');
    expect(mail.to).toMatchObject({ value: [{ address: VERP }] });
    expect(statusBlocks(mail)[1]).toMatchObject({ 'Final-Recipient': 'rfc822; b@example.org', Status: '5.2.2', 'Diagnostic-Code': 'smtp; 552 5.2.2 Mailbox full' });
    expect((await message(original!.ID)).BounceIDs).toEqual([all.body.ID, one.body.ID]);
    expect((await getJson(`${sim.url}/api/v1/message/nope/bounce`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await getJson(`${sim.url}/api/v1/message/${original!.ID}/bounce`, { method: 'POST', body: JSON.stringify({ Kind: 'later' }) })).status).toBe(400);
    const yahooDelay = await getJson(`${sim.url}/api/v1/message/${original!.ID}/bounce`, { method: 'POST', body: JSON.stringify({ Kind: 'delayed', Style: 'yahoo' }) });
    expect(yahooDelay).toMatchObject({ status: 400, body: { Error: 'the yahoo style sends no delay reports' } });
  });
});

describe('built-in scenarios bounce the way their provider does', () => {
  it("gmail: a @nonexistent.example recipient bounces a minute later in Gmail's words; amazon-ses: the mailbox simulator's bounce address", async () => {
    await getJson(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Name: 'gmail' }) });
    const tls = { secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, ignoreTLS: false, auth: { user: 'me@gmail.com', pass: 'abcdefghijklmnop' } };
    expect(await sendWithNodemailer(sim.smtpPort, { from: 'me@gmail.com', envelope: { from: 'me@gmail.com', to: ['nobody@nonexistent.example'] } }, tls)).toMatchObject({ ok: true });
    const gmail = bounced();
    await advance('1m');
    const mail = await parsed((await gmail).bounceId!);
    expect(mail.from?.value[0]?.address).toBe('mailer-daemon@googlemail.com');
    expect(mail.text).toContain("Your message wasn't delivered to nobody@nonexistent.example because the address couldn't be found.");
    await getJson(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Name: 'amazon-ses' }) });
    const sesTls = { ...tls, auth: { user: 'AKIA', pass: 'secret' } };
    expect(await sendWithNodemailer(sim.smtpPort, { from: 'app@verified.example', to: 'bounce@simulator.amazonses.com', envelope: { from: 'app@verified.example', to: ['bounce@simulator.amazonses.com'] } }, sesTls)).toMatchObject({ ok: true });
    const ses = bounced();
    await advance('1m');
    const sesMail = await parsed((await ses).bounceId!);
    expect(sesMail.from?.value[0]?.address).toBe('MAILER-DAEMON@amazonses.com');
    expect(statusBlocks(sesMail)[1]).toMatchObject({ Status: '5.1.1 (permanent failure)', 'Diagnostic-Code': 'smtp; 550 5.1.1 user unknown' });
  });
});
