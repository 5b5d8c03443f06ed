import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultEvent, MessagesSummary, Session, SessionSummary } from '../server/protocol.js';
import { nextEvent } from './helpers/events.js';
import { sendWithNodemailer, smtplib, useScenario } from './helpers/faults.js';
import { RawSmtp } from './helpers/raw-smtp.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

const stored = async () => (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.total;
const closedSession = () => nextEvent(sim.harness.bus, 'session.closed');
const session = async (id: string) => (await getJson<Session>(`${sim.url}/api/v1/session/${id}`)).body;

describe('rules, as nodemailer and smtplib experience them', () => {
  it('refuses some recipients: nodemailer lists them as rejected, smtplib returns them, the rest is delivered', async () => {
    await useScenario(sim, {
      name: 'rcpt-refusal',
      rules: [{ name: 'no-such-user', when: { phase: 'rcpt', recipient: '*@bounce.example' }, action: { reply: { code: 550, enhanced: '5.1.1', text: '<{recipient}>: User unknown' } } }],
    });
    const partial = await sendWithNodemailer(sim.smtpPort, { to: ['ok@example.org', 'gone@bounce.example'] });
    expect(partial).toMatchObject({ ok: true, accepted: ['ok@example.org'], rejected: ['gone@bounce.example'] });
    const all = await sendWithNodemailer(sim.smtpPort, { to: 'gone@bounce.example' });
    expect(all).toMatchObject({ ok: false, code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' });
    expect(all.message).toContain('550 5.1.1 <gone@bounce.example>: User unknown');
    expect(await smtplib(sim.smtpPort, "print(s.sendmail('a@example.com', ['ok@example.org', 'x@bounce.example'], 'Subject: hi\\r\\n\\r\\nbody'))")).toBe(
      "{'x@bounce.example': (550, b'5.1.1 <x@bounce.example>: User unknown')}",
    );
    expect(await smtplib(sim.smtpPort, "s.sendmail('a@example.com', ['x@bounce.example'], 'Subject: hi\\r\\n\\r\\nbody')")).toBe(
      "raised SMTPRecipientsRefused {'x@bounce.example': (550, b'5.1.1 <x@bounce.example>: User unknown')}",
    );
    expect(await stored()).toBe(2);
  });

  it('refuses at end of DATA (EMESSAGE / SMTPDataError) and at MAIL (EENVELOPE / SMTPSenderRefused)', async () => {
    await useScenario(sim, {
      name: 'data-and-mail',
      rules: [
        { when: { phase: 'data-end', subject: '*spam*' }, action: { reply: { code: 554, enhanced: '5.7.1', text: 'Message rejected as spam' } } },
        { when: { phase: 'mail', sender: 'blocked@*' }, action: { reply: { code: 451, enhanced: '4.3.0', text: 'Try later' } } },
      ],
    });
    const data = await sendWithNodemailer(sim.smtpPort, { subject: 'cheap spam here' });
    expect(data).toMatchObject({ ok: false, code: 'EMESSAGE', responseCode: 554, command: 'DATA' });
    const mail = await sendWithNodemailer(sim.smtpPort, { from: 'blocked@example.com' });
    expect(mail).toMatchObject({ ok: false, code: 'EENVELOPE', responseCode: 451, command: 'MAIL FROM' });
    expect(await smtplib(sim.smtpPort, "s.sendmail('a@x.org', ['b@y.org'], 'Subject: spam\\r\\n\\r\\nbody')")).toBe('raised SMTPDataError 554 5.7.1 Message rejected as spam');
    expect(await smtplib(sim.smtpPort, "s.sendmail('blocked@x.org', ['b@y.org'], 'Subject: x\\r\\n\\r\\nbody')")).toBe('raised SMTPSenderRefused 451 4.3.0 Try later blocked@x.org');
    expect(await stored()).toBe(0);
  });

  it('refuses credentials (EAUTH / SMTPAuthenticationError) with a multi-line reply', async () => {
    await useScenario(sim, {
      name: 'auth-refusal',
      persona: {
        auth: {
          required: true,
          acceptAny: false,
          accounts: [{ user: 'app', password: 'right' }],
          replies: { badCredentials: { code: 535, enhanced: '5.7.8', text: ['Username and Password not accepted. Learn more at', ' https://example.com/help'] } },
        },
      },
    });
    const wrong = await sendWithNodemailer(sim.smtpPort, {}, { auth: { user: 'app', pass: 'wrong' } });
    expect(wrong).toMatchObject({ ok: false, code: 'EAUTH', responseCode: 535 });
    expect(wrong.response).toBe('535-5.7.8 Username and Password not accepted. Learn more at\n535 5.7.8  https://example.com/help');
    expect((await sendWithNodemailer(sim.smtpPort, {}, { auth: { user: 'app', pass: 'right' } })).ok).toBe(true);
    const noAuth = await sendWithNodemailer(sim.smtpPort, {});
    expect(noAuth).toMatchObject({ ok: false, code: 'EENVELOPE', responseCode: 530 });
    expect(await smtplib(sim.smtpPort, "s.login('app', 'nope')")).toBe(
      'raised SMTPAuthenticationError 535 5.7.8 Username and Password not accepted. Learn more at\n5.7.8  https://example.com/help',
    );
  });

  it('refuses the connection with a 421 greeting (EPROTOCOL / SMTPConnectError)', async () => {
    await useScenario(sim, {
      name: 'refuse-greeting',
      rules: [{ when: { phase: 'connect' }, action: { reply: { code: 421, enhanced: '4.7.0', text: 'Try again later, closing connection.' } } }],
    });
    const refused = await sendWithNodemailer(sim.smtpPort, {});
    expect(refused).toMatchObject({ ok: false, code: 'EPROTOCOL' });
    expect(refused.message).toContain('421 4.7.0 Try again later, closing connection.');
    expect(await smtplib(sim.smtpPort, 'pass')).toBe('raised SMTPConnectError 421 4.7.0 Try again later, closing connection.');
  });
});

describe('timing and connection faults', () => {
  it('honours a delay before the reply', async () => {
    await useScenario(sim, { name: 'slow-mail', rules: [{ when: { phase: 'mail' }, action: { delay: 300 } }] });
    const smtp = await RawSmtp.open(sim.smtpPort);
    await smtp.reply();
    await smtp.command('EHLO t.test');
    const started = performance.now();
    expect(await smtp.command('MAIL FROM:<a@example.com>')).toMatch(/^250 /);
    const elapsed = performance.now() - started;
    smtp.close();
    expect(elapsed).toBeGreaterThanOrEqual(299);
    expect(elapsed).toBeLessThan(300 + 250);
  });

  it('stalls: the client times out (ETIMEDOUT / smtplib timeout) and the session reads timed-out', async () => {
    await useScenario(sim, { name: 'stall', rules: [{ name: 'silent', when: { phase: 'data-end' }, action: { stall: true } }] });
    const closed = closedSession();
    const result = await sendWithNodemailer(sim.smtpPort, {}, { socketTimeout: 400 });
    expect(result).toMatchObject({ ok: false, code: 'ETIMEDOUT' });
    const summary = await closed;
    expect(summary).toMatchObject({ Outcome: 'timed-out', Messages: 0 });
    expect(summary.OutcomeDetail).toContain("rule 'silent'");
    expect(await smtplib(sim.smtpPort, "s.sendmail('a@x.org', ['b@y.org'], 'Subject: x\\r\\n\\r\\nbody')", 0.4)).toBe('raised SMTPServerDisconnected Connection unexpectedly closed: timed out');
  });

  it('drops the connection (ECONNECTION / SMTPServerDisconnected), also in the middle of DATA', async () => {
    await useScenario(sim, {
      name: 'drops',
      rules: [
        { name: 'drop-rcpt', when: { phase: 'rcpt', recipient: 'drop@*' }, action: { disconnect: {} } },
        { name: 'drop-data', when: { phase: 'data-start', recipient: 'midway@*' }, action: { disconnect: { afterBytes: 100 } } },
      ],
    });
    const closed = closedSession();
    expect(await sendWithNodemailer(sim.smtpPort, { to: 'drop@example.org' })).toMatchObject({ ok: false, code: 'ECONNECTION' });
    expect(await closed).toMatchObject({ Outcome: 'disconnected' });
    expect(await smtplib(sim.smtpPort, "s.sendmail('a@x.org', ['midway@y.org'], 'Subject: x\\r\\n\\r\\n' + 'y' * 5000)")).toMatch(/^raised SMTPServerDisconnected/);
    expect(await stored()).toBe(0);
  });

  it('tarpits: drips the reply slowly but completely', async () => {
    await useScenario(sim, { name: 'tarpit', rules: [{ when: { phase: 'helo' }, action: { tarpit: { bytesPerSecond: 400 } } }] });
    const smtp = await RawSmtp.open(sim.smtpPort);
    await smtp.reply();
    const started = performance.now();
    const ehlo = await smtp.command('EHLO t.test');
    const elapsed = performance.now() - started;
    smtp.close();
    expect(ehlo).toMatch(/^250-mailsim.test Nice to meet you/);
    // About 130 bytes at 400 B/s.
    expect(elapsed).toBeGreaterThan((ehlo.length / 400) * 1000 * 0.7);
  });

  it('blackholes: the client sees 250, nothing is stored, the session says so', async () => {
    await useScenario(sim, { name: 'blackhole', rules: [{ name: 'void', when: { phase: 'data-end' }, action: { blackhole: true } }] });
    const closed = closedSession();
    const result = await sendWithNodemailer(sim.smtpPort, {});
    expect(result.ok).toBe(true);
    expect(result.response).toMatch(/^250 2\.6\.0 Ok: queued as blackhole-/);
    expect(await closed).toMatchObject({ Outcome: 'blackholed', Messages: 0 });
    expect(await stored()).toBe(0);
  });
});

describe('run-time control', () => {
  it('one-shot faults: the next N messages to x fail, then mail flows again', async () => {
    const created = await getJson<{ ID: string }>(`${sim.url}/api/v1/faults`, {
      method: 'POST',
      body: JSON.stringify({ when: { phase: 'data-end', recipient: 'x@*' }, count: 2, action: { reply: { code: 421, enhanced: '4.7.0', text: 'Try again later' } } }),
    });
    expect(created.status).toBe(201);
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await sendWithNodemailer(sim.smtpPort, { to: 'x@example.org' })).responseCode ?? 250);
    expect(outcomes).toEqual([421, 421, 250]);
    const faults = (await getJson<{ faults: { ID: string; Remaining: number }[] }>(`${sim.url}/api/v1/faults`)).body.faults;
    expect(faults).toEqual([expect.objectContaining({ ID: created.body.ID, Remaining: 0 })]);
    const bad = await getJson<{ Error: string }>(`${sim.url}/api/v1/faults`, { method: 'POST', body: JSON.stringify({ when: { phase: 'rcptt' }, action: {} }) });
    expect(bad.status).toBe(400);
    expect(bad.body.Error).toMatch(/^body\.when\.phase: /);
  });

  it("Mailpit's chaos API maps onto the engine", async () => {
    const set = await getJson(`${sim.url}/api/v1/chaos`, { method: 'PUT', body: JSON.stringify({ Recipient: { ErrorCode: 452, Probability: 100 } }) });
    expect(set.body).toEqual({ Sender: { ErrorCode: 451, Probability: 0 }, Recipient: { ErrorCode: 452, Probability: 100 }, Authentication: { ErrorCode: 535, Probability: 0 } });
    const result = await sendWithNodemailer(sim.smtpPort, {});
    expect(result).toMatchObject({ ok: false, code: 'EENVELOPE', responseCode: 452 });
    expect(result.message).toContain('452 Chaos recipient error');
    await getJson(`${sim.url}/api/v1/chaos`, { method: 'PUT', body: '{}' });
    expect((await sendWithNodemailer(sim.smtpPort, {})).ok).toBe(true);
  });

  it('a daily quota resets when the scenario clock is advanced, and the counters show it', async () => {
    await getJson(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ set: '2026-03-10T20:00:00Z' }) });
    await useScenario(sim, {
      name: 'quota',
      limits: [
        { name: 'daily', kind: 'messages', key: 'user', max: 2, window: { fixed: '1d', resetAt: '23:00', timeZone: 'UTC' }, phase: 'data-start', reply: { code: 550, enhanced: '5.4.5', text: 'Daily sending quota exceeded.' } },
      ],
    });
    const auth = { auth: { user: 'app@example.com', pass: 'x' } };
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await sendWithNodemailer(sim.smtpPort, {}, auth)).responseCode ?? 250);
    expect(codes).toEqual([250, 250, 550]);
    const counters = (await getJson<{ counters: Record<string, unknown>[] }>(`${sim.url}/api/v1/counters`)).body.counters;
    expect(counters).toContainEqual({ Scenario: 'quota', Limit: 'daily', Kind: 'messages', Key: 'app@example.com', Count: 2, Max: 2, WindowStart: '2026-03-09T23:00:00.000Z', NextReset: '2026-03-10T23:00:00.000Z' });
    const clock = await getJson<{ Now: string }>(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: '3h' }) });
    expect(clock.body.Now).toMatch(/^2026-03-10T23:00/);
    expect((await sendWithNodemailer(sim.smtpPort, {}, auth)).ok).toBe(true);
  });

  it('greylisting: first attempt 450 at RCPT, accepted once the delay has passed on the scenario clock', async () => {
    const put = await getJson(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Name: 'greylisting' }) });
    expect(put.status).toBe(200);
    const first = await sendWithNodemailer(sim.smtpPort, { to: 'someone@example.net' });
    expect(first).toMatchObject({ ok: false, responseCode: 450 });
    expect(first.message).toContain('450 4.2.0 <someone@example.net>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.net.html');
    expect((await sendWithNodemailer(sim.smtpPort, { to: 'someone@example.net' })).responseCode).toBe(450);
    await getJson(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: '5m' }) });
    expect((await sendWithNodemailer(sim.smtpPort, { to: 'someone@example.net' })).ok).toBe(true);
  });

  it('picks a scenario per session from the AUTH user name, for parallel tests on one server', async () => {
    const refused = await sendWithNodemailer(sim.smtpPort, { to: 'x@unknown.example' }, { auth: { user: 'ci-job-7+scenario-mailbox-unavailable@example.com', pass: 'x' } });
    expect(refused).toMatchObject({ ok: false, responseCode: 550 });
    expect(refused.message).toContain('User unknown in local recipient table');
    expect((await sendWithNodemailer(sim.smtpPort, { to: 'x@unknown.example' })).ok).toBe(true);
  });

  it('records every decision in the transcript and on the event feed, and names the rule in the outcome', async () => {
    await useScenario(sim, {
      name: 'recorded',
      rules: [
        { name: 'pause', when: { phase: 'rcpt' }, action: { delay: 10 } },
        { name: 'deny', when: { phase: 'rcpt', recipient: 'no@*' }, action: { reply: { code: 554, text: 'nope' } } },
      ],
    });
    const faults: FaultEvent[] = [];
    const off = sim.harness.bus.on('fault.fired', (event) => faults.push(event));
    const closed = closedSession();
    await sendWithNodemailer(sim.smtpPort, { to: 'no@example.org' });
    const summary: SessionSummary = await closed;
    off();
    expect(faults.map((f) => [f.Source, f.Name, f.Phase])).toEqual([
      ['rule', 'pause', 'rcpt'],
      ['rule', 'deny', 'rcpt'],
    ]);
    expect(faults[1]!.Reply).toBe('554 nope');
    expect(summary).toMatchObject({ Outcome: 'rejected', OutcomeCode: 554 });
    expect(summary.OutcomeDetail).toBe("554 nope (reply to RCPT TO:<no@example.org>) [rule 'deny']");
    const notes = (await session(summary.ID)).Transcript.filter((e) => e.Text.startsWith('fault:')).map((e) => e.Text);
    expect(notes).toHaveLength(2);
    expect(notes[1]).toMatch(/^fault: rule 'deny' at rcpt: /);
  });

  it('switching a listener\'s scenario affects new connections, not open ones', async () => {
    const open = await RawSmtp.open(sim.smtpPort);
    await open.reply();
    await open.command('EHLO early.test');
    await useScenario(sim, { name: 'deny-all', rules: [{ when: { phase: 'mail' }, action: { reply: { code: 550, text: 'no' } } }] });
    expect(await open.command('MAIL FROM:<a@example.com>')).toMatch(/^250 /);
    open.close();
    expect((await sendWithNodemailer(sim.smtpPort, {})).responseCode).toBe(550);
    const listed = (await getJson<{ listeners: { Scenario: string }[] }>(`${sim.url}/api/v1/scenarios`)).body.listeners;
    expect(listed[0]!.Scenario).toBe('deny-all');
  });
});
