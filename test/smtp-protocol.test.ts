import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessagesSummary, Session, SessionSummary } from '../server/protocol.js';
import { nextEvent } from './helpers/events.js';
import { RawSmtp } from './helpers/raw-smtp.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

let sim: TestSim;

beforeAll(async () => {
  sim = await startSim({ maxMessageSize: 10_000, idleTimeout: 400 });
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

/** This connection's session.closed event (matched on the client port, not just the next one). */
function closing(smtp: RawSmtp): Promise<SessionSummary> {
  const port = smtp.socket.localPort;
  return nextEvent(sim.harness.bus, 'session.closed', (s) => s.Client.Port === port);
}

async function session(id: string): Promise<Session> {
  return (await getJson<Session>(`${sim.url}/api/v1/session/${id}`)).body;
}

async function stored(): Promise<number> {
  return (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.total;
}

/** Opens a connection, says EHLO, and returns it with a promise of its closed session. */
async function opened(): Promise<{ smtp: RawSmtp; closed: Promise<SessionSummary> }> {
  const smtp = await RawSmtp.open(sim.smtpPort);
  const closed = closing(smtp);
  expect(await smtp.reply()).toBe('220 mailsim.test ESMTP mailsim');
  const ehlo = (await smtp.command('EHLO client.test')).split('\r\n').map((line) => line.slice(4));
  expect(ehlo).toEqual(['mailsim.test Nice to meet you, 127.0.0.1', 'PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN', 'SIZE 10000', 'AUTH PLAIN LOGIN CRAM-MD5']);
  return { smtp, closed };
}

describe('SMTP protocol handling', () => {
  it('answers a fully pipelined transaction in order and stores the message', async () => {
    const { smtp, closed } = await opened();
    smtp.write(
      'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n',
    );
    expect(await smtp.reply()).toBe('250 2.1.0 Accepted');
    expect(await smtp.reply()).toBe('250 2.1.5 Accepted');
    expect(await smtp.reply()).toBe('250 2.1.5 Accepted');
    expect(await smtp.reply()).toMatch(/^354 /);
    smtp.write('Subject: pipelined\r\n\r\n..leading dot unstuffed\r\n.\r\nQUIT\r\n');
    expect(await smtp.reply()).toMatch(/^250 2\.6\.0 Ok: queued as /);
    expect(await smtp.reply()).toBe('221 2.0.0 Bye');
    const summary = await closed;
    expect(summary).toMatchObject({ Outcome: 'delivered', Helo: 'client.test', Messages: 1 });
    const raw = await fetch(`${sim.url}/api/v1/message/latest/raw`).then((r) => r.text());
    // The bytes received (dot-unstuffed) under the trace fields mailsim adds (test/trace-headers.test.ts).
    expect(raw).toMatch(/^Return-Path: <a@example\.com>\r\nReceived: from client\.test [^\r\n]+\r\nMessage-ID: <[^>]+>\r\nSubject: pipelined\r\n\r\n\.leading dot unstuffed\r\n$/);
  });

  it('gives malformed commands a 5xx reply and keeps the session usable', async () => {
    const { smtp, closed } = await opened();
    expect(await smtp.command('FOO bar')).toBe('500 5.5.2 Error: command not recognized');
    expect(await smtp.command('MAIL FROM:not-an-address')).toMatch(/^501 5\.\d\.\d Error: Bad sender address syntax/);
    expect(await smtp.command('RCPT TO:<b@example.org>')).toMatch(/^503 5\.5\.1 /);
    expect(await smtp.command('EHLO')).toMatch(/^501 /);
    expect(await smtp.command('NOOP')).toMatch(/^250 /);
    expect(await smtp.command('QUIT')).toBe('221 2.0.0 Bye');
    // The refused MAIL is what the application saw fail (the RCPT's 503 follows from it); the
    // unknown command is not a rejection.
    expect(await closed).toMatchObject({ Outcome: 'rejected', OutcomeCode: 501 });
  });

  it('refuses a message over the size limit with 552 5.3.4, announced or not', async () => {
    const { smtp, closed } = await opened();
    expect(await smtp.command('MAIL FROM:<a@example.com> SIZE=20000')).toMatch(/^552 5\.3\.4 /);
    expect(await smtp.command('MAIL FROM:<a@example.com>')).toBe('250 2.1.0 Accepted');
    expect(await smtp.command('RCPT TO:<b@example.org>')).toBe('250 2.1.5 Accepted');
    expect(await smtp.command('DATA')).toMatch(/^354 /);
    smtp.write(`Subject: big\r\n\r\n${'x'.repeat(76)}\r\n`.repeat(200) + '.\r\n');
    expect(await smtp.reply()).toMatch(/^552 5\.3\.4 .*maximum message size 10000/);
    expect(await smtp.command('QUIT')).toBe('221 2.0.0 Bye');
    expect(await closed).toMatchObject({ Outcome: 'rejected', OutcomeCode: 552 });
    expect(await stored()).toBe(0);
  });

  it('stores nothing when the client hangs up mid-DATA, and stays healthy', async () => {
    const { smtp, closed } = await opened();
    smtp.write('MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n');
    await smtp.reply();
    await smtp.reply();
    expect(await smtp.reply()).toMatch(/^354 /);
    smtp.write('Subject: half\r\n\r\nthe first half of the body');
    await new Promise<void>((resolve) => smtp.socket.write('', () => resolve()));
    smtp.close();
    const summary = await closed;
    expect(summary.Outcome).toBe('aborted');
    expect(summary.OutcomeDetail).toMatch(/after \d+ bytes of DATA/);
    expect(await stored()).toBe(0);

    const next = await opened();
    expect(await next.smtp.command('MAIL FROM:<a@example.com>')).toBe('250 2.1.0 Accepted');
    next.smtp.close();
    await next.closed;
  });

  it('reads Odoo\'s "Test Connection" (close after 354, no body) as a passed connection test', async () => {
    // What odoo/addons/base/models/ir_mail_server.py test_smtp_connection() does.
    const { smtp, closed } = await opened();
    expect(await smtp.command('MAIL FROM:<admin@mycompany.example>')).toBe('250 2.1.0 Accepted');
    expect(await smtp.command('RCPT TO:<noreply@odoo.com>')).toBe('250 2.1.5 Accepted');
    expect(await smtp.command('DATA')).toMatch(/^354 /);
    smtp.close();
    const summary = await closed;
    expect(summary).toMatchObject({ Outcome: 'connection-test', OutcomeCode: 354, Messages: 0 });
    expect(summary.OutcomeDetail).toMatch(/^connection test passed/);
    expect(await stored()).toBe(0);
    const next = await opened();
    expect(await next.smtp.command('QUIT')).toBe('221 2.0.0 Bye');
    await next.closed;
  });

  it('times out an idle client with 421 and records it', async () => {
    const { smtp, closed } = await opened();
    expect(await smtp.reply()).toMatch(/^421 4\.4\.2 .*Timeout/);
    const summary = await closed;
    expect(summary.Outcome).toBe('timed-out');
    const transcript = (await session(summary.ID)).Transcript;
    expect(transcript.at(-1)?.Text).toBe('connection closed without QUIT');
  });

  it('records a client that connects and leaves without a word as dropped', async () => {
    const smtp = await RawSmtp.open(sim.smtpPort);
    const closed = closing(smtp);
    await smtp.reply();
    smtp.close();
    expect((await closed).Outcome).toBe('dropped');
  });

  it('reads a session that only says EHLO and QUIT as no-mail', async () => {
    const { smtp, closed } = await opened();
    expect(await smtp.command('FOO')).toMatch(/^500 /);
    expect(await smtp.command('QUIT')).toBe('221 2.0.0 Bye');
    expect(await closed).toMatchObject({ Outcome: 'no-mail', OutcomeCode: null });
  });

  it('answers HTTP spoken to the SMTP port with 421 instead of crashing', async () => {
    const smtp = await RawSmtp.open(sim.smtpPort);
    const closed = closing(smtp);
    await smtp.reply();
    expect(await smtp.command('GET / HTTP/1.1')).toMatch(/^421 /);
    await closed;
    const next = await opened();
    next.smtp.close();
    await next.closed;
  });

  it('shows a session in progress as active', async () => {
    const opening = nextEvent(sim.harness.bus, 'session.opened');
    const { smtp, closed } = await opened();
    const { ID } = await opening;
    expect((await session(ID)).Outcome).toBe('active');
    smtp.close();
    await closed;
  });
});
