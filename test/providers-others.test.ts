import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CounterInfo, FaultEvent, SessionsList } from '../server/protocol.js';
import { sessionsClosed } from './helpers/events.js';
import { activate, sendWithNodemailer, smtplib, useScenario } from './helpers/faults.js';
import { builtIn, curlSmtp, nodemailerTls, SMTPLIB_STARTTLS, swaks } from './helpers/providers.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

/**
 * Amazon SES, SendGrid, Mailgun, Yahoo and flaky-network as their sources show them (issue 11,
 * "Providers as they really answer"), through real clients: nodemailer, smtplib, curl and swaks.
 */
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

const stored = async () => (await getJson<{ total: number }>(`${sim.url}/api/v1/messages`)).body.total;

describe('amazon-ses (sandbox)', () => {
  beforeEach(() => activate(sim, 'amazon-ses'));
  const ses = (body: string) => smtplib(sim.smtpPort, `${SMTPLIB_STARTTLS}\ns.login('AKIAEXAMPLE', 'secret')\n${body}`);

  it('names every identity that failed: From, Sender, MAIL FROM and each unverified recipient (smtplib SMTPDataError)', async () => {
    const message = 'From: App <x@nope.example>\\r\\nSender: s@nope.example\\r\\nSubject: x\\r\\n\\r\\nx';
    const faults: FaultEvent[] = [];
    const off = sim.harness.bus.on('fault.fired', (event) => faults.push(event));
    expect(await ses(`s.sendmail('bounce@nope.example', ['r@verified.example', 'a@nope.example'], '${message}')`)).toBe(
      'raised SMTPDataError 554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: x@nope.example, s@nope.example, bounce@nope.example, a@nope.example',
    );
    off();
    expect(faults.find((f) => f.Name === 'identity-not-verified')?.Explanation).toMatchObject({ Cause: expect.stringContaining('not a verified identity'), Source: 'https://github.com/awsdocs/amazon-ses-developer-guide' });
    // Before: only the From header was checked, so an unverified recipient in the sandbox got through.
    expect(await ses("s.sendmail('app@verified.example', ['someone@example.org'], 'From: app@verified.example\\r\\nSubject: x\\r\\n\\r\\nx')")).toMatch(/failed the check in region US-EAST-1: someone@example\.org$/);
    expect(await stored()).toBe(0);
  });

  it('at most 50 recipients per message (nodemailer: 50 accepted, the 51st rejected)', async () => {
    const to = Array.from({ length: 51 }, (_, i) => `r${i}@verified.example`);
    const result = await sendWithNodemailer(sim.smtpPort, { from: 'app@verified.example', to }, { ...nodemailerTls(), auth: { user: 'AKIAEXAMPLE', pass: 'secret' } });
    expect(result).toMatchObject({ ok: true, rejected: ['r50@verified.example'] });
    expect(result.accepted).toHaveLength(50);
  });

  it('the daily quota counts recipients, as SES does: one message to 3 recipients uses 3 of 200 (smtplib)', async () => {
    const to = "['a@verified.example', 'b@verified.example', 'c@verified.example']";
    expect(await ses(`print(s.sendmail('app@verified.example', ${to}, 'From: app@verified.example\\r\\nSubject: x\\r\\n\\r\\nx'))`)).toBe('{}');
    const { counters } = (await getJson<{ counters: CounterInfo[] }>(`${sim.url}/api/v1/counters`)).body;
    expect(counters.filter((c) => c.Scenario === 'amazon-ses' && c.Limit === 'daily-quota')).toMatchObject([{ Count: 3, Max: 200 }]);
  });

  it('40 MB: SIZE 41943040 advertised, a larger announced size is 552 Message is too long. (smtplib)', async () => {
    expect(await ses("s.ehlo()\nprint(s.esmtp_features['size'])")).toBe('41943040');
    expect(await ses("print(s.mail('app@verified.example', ['size=41943041']))")).toBe("(552, b'Message is too long.')");
  });
});

describe('sendgrid', () => {
  beforeEach(() => activate(sim, 'sendgrid'));

  it('out of credits: 451 Authentication failed: Maximum credits exceeded at AUTH; STARTTLS answers 220 Begin TLS negotiation now (curl)', async () => {
    const result = await curlSmtp(sim.smtpPort, ['--user', 'apikey:SG.no-credits.abcdef']);
    expect(result.stderr).toContain('< 220 Begin TLS negotiation now');
    expect(result.stderr).toContain('< 451 Authentication failed: Maximum credits exceeded');
    expect(result.code).not.toBe(0);
    const ok = await curlSmtp(sim.smtpPort, ['--user', 'apikey:SG.abcdef.ghijkl', '--mail-from', 'app@verified.example'], 'From: app@verified.example\r\nSubject: x\r\n\r\nx\r\n');
    expect(ok.stderr).toMatch(/< 250 Ok: queued as \S+/);
    expect(ok.code).toBe(0);
  });

  it('no hourly 452 throttle: 101 messages in a minute go through (one nodemailer pool connection)', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, pool: true, maxConnections: 1, maxMessages: Infinity, ...nodemailerTls(), auth: { user: 'apikey', pass: 'SG.abcdef.ghijkl' } });
    const responses: string[] = [];
    try {
      for (let i = 0; i < 101; i++) {
        const info = await transport.sendMail({ from: 'app@verified.example', to: 'r@example.org', text: 'x' }).catch((e: { response?: string; message: string }) => ({ response: e.response ?? e.message }));
        responses.push(info.response);
      }
    } finally {
      transport.close();
    }
    // Before: the 101st got "452 Too many recipients received this hour (throttled)".
    expect(responses.filter((r) => r.startsWith('250 '))).toHaveLength(101);
  });
});

describe('mailgun', () => {
  beforeEach(() => activate(sim, 'mailgun'));

  it('without AUTH every recipient gets 550 5.7.1 Relaying denied (swaks, nodemailer)', async () => {
    const result = await swaks(sim.smtpPort, []);
    expect(result.stdout).toContain('<-  220 Mailgun Influx ready');
    expect(result.stdout).toContain('<** 550 5.7.1 Relaying denied');
    const nm = await sendWithNodemailer(sim.smtpPort, {});
    expect(nm).toMatchObject({ ok: false, code: 'EENVELOPE', message: "Can't send mail - all recipients were rejected: 550 5.7.1 Relaying denied" });
  });

  it('bad credentials: 535 Authentication failed (swaks)', async () => {
    const result = await swaks(sim.smtpPort, ['--auth', 'LOGIN', '--auth-user', 'postmaster@sandbox0123456789abcdef.mailgun.org', '--auth-password', 'wrong']);
    expect(result.stdout).toContain('<** 535 Authentication failed');
  });

  it('sandbox: an unauthorized recipient gets a temporary 421 after DATA and the connection closes; authorized ones are delivered (smtplib)', async () => {
    const login = "s.login('postmaster@sandbox0123456789abcdef.mailgun.org', 'secret')";
    expect(await smtplib(sim.smtpPort, `${login}\ns.sendmail('app@example.com', ['someone@example.org'], 'Subject: x\\r\\n\\r\\nx')`)).toBe(
      'raised SMTPDataError 421 Domain sandbox0123456789abcdef.mailgun.org is not allowed to send: Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.',
    );
    expect(await smtplib(sim.smtpPort, `${login}\nprint(s.sendmail('app@example.com', ['me@authorized.example'], 'Subject: x\\r\\n\\r\\nx'))\nprint(s.quit())`)).toBe(
      "{}\n(221, b'See you later. Yours truly, Mailgun')",
    );
    expect(await stored()).toBe(1);
  });
});

describe('yahoo-disabled-mailbox', () => {
  it('RCPT accepts the disabled mailbox; the refusal comes after the body (swaks); STARTTLS is offered', async () => {
    await activate(sim, 'yahoo-disabled-mailbox');
    const result = await swaks(sim.smtpPort, ['--to', 'disabled.user@yahoo.com,ok@yahoo.com']);
    // The persona's texts name the address each reply accepts (they rendered empty: "250 sender <> ok").
    expect(result.stdout).toMatch(/ -> MAIL FROM:<[^>]+>\n<- {2}250 sender <[^>]+@[^>]+> ok/);
    expect(result.stdout).toMatch(/ -> RCPT TO:<disabled\.user@yahoo\.com>\n<- {2}250 recipient <disabled\.user@yahoo\.com> ok/);
    expect(result.stdout).toMatch(/ -> RCPT TO:<ok@yahoo\.com>\n<- {2}250 recipient <ok@yahoo\.com> ok/);
    expect(result.stdout).toContain('<** 554 30 Sorry, your message to disabled.user@yahoo.com cannot be delivered. This mailbox is disabled (554.30).');
    expect(await smtplib(sim.smtpPort, "s.ehlo()\nprint(s.has_extn('starttls'))")).toBe('True');
  });
});

describe('flaky-network', () => {
  it("its 451 4.4.2 '... closing connection.' closes the connection (smtplib, nodemailer)", async () => {
    // The built-in's temporary-failure rule on every message, so that it fires on demand.
    const scenario = builtIn('flaky-network', 'flaky-451');
    scenario.rules = scenario.rules!.filter((r) => r.name === 'temporary-failure').map((r) => ({ ...r, select: { probability: 1 } }));
    await useScenario(sim, scenario);
    const script = "try:\n    s.sendmail('a@x.org', ['b@y.org'], 'Subject: x\\r\\n\\r\\nx')\nexcept smtplib.SMTPDataError as e:\n    print(e.smtp_code, e.smtp_error.decode())\nprint(s.noop())";
    // Before: the connection stayed open, and NOOP got 250.
    const closed = sessionsClosed(sim.harness.bus, 1);
    expect(await smtplib(sim.smtpPort, script)).toMatch(/^451 4\.4\.2 Timeout - closing connection\.\nraised SMTPServerDisconnected /);
    await closed;
    const [session] = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions`)).body.sessions;
    // The session records the drop; the 451 went out as the disconnect's partial reply, so it has no code of its own.
    expect(session).toMatchObject({ Outcome: 'disconnected', OutcomeDetail: "the server dropped the connection [rule 'temporary-failure']" });
    const nm = await sendWithNodemailer(sim.smtpPort, {});
    expect(nm).toMatchObject({ ok: false, code: 'EMESSAGE', responseCode: 451, response: '451 4.4.2 Timeout - closing connection.' });
  });
});
