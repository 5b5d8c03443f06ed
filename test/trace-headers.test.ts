import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { python } from './helpers/processes.js';
import { RawSmtp } from './helpers/raw-smtp.js';
import { getJson, startSim, TEST_TLS_DIR, type TestSim } from './helpers/sim.js';

// Issue 12 mismatch 9: the stored message gets Mailpit's trace fields (Return-Path, Received,
// a Message-ID when the sender sent none) on top of the bytes received, which stay its tail.
let sim: TestSim;
let plain: number;
let starttls: number;
beforeAll(async () => {
  sim = await startSim({
    smtp: [
      { host: '127.0.0.1', port: 0 },
      { host: '127.0.0.1', port: 0, mode: 'starttls' },
    ],
  });
  [plain, starttls] = sim.smtpPorts as [number, number];
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());

async function latestRaw(): Promise<string> {
  return fetch(`${sim.url}/api/v1/message/latest/raw`).then((r) => r.text());
}

/** The bytes received, as the session's transaction counted them. */
async function receivedSize(): Promise<number> {
  const session = (await getJson(`${sim.url}/api/v1/session/latest`)).body;
  return session.Transactions[0].Size as number;
}

describe('trace fields on stored messages (Mailpit: Return-Path, Received, Message-ID)', () => {
  it('a raw client without Message-ID: all three go on top, the bytes received stay the tail', async () => {
    const client = await RawSmtp.open(plain);
    await client.reply();
    await client.command('EHLO client.example');
    await client.command('MAIL FROM:<app@example.com>');
    await client.command('RCPT TO:<user@example.org>');
    await client.command('DATA');
    const sent = 'From: app@example.com\r\nSubject: no id\r\n\r\nbody\r\n';
    expect(await client.command(`${sent}.`)).toMatch(/^250 /);
    await client.command('QUIT');
    const raw = await latestRaw();
    const lines = raw.split('\r\n');
    expect(lines[0]).toBe('Return-Path: <app@example.com>');
    expect(lines[1]).toMatch(/^Received: from client\.example \(unknown \[127\.0\.0\.1\]\) by mailsim\.test \(mailsim\) with ESMTP for <user@example\.org>; \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/);
    expect(lines[2]).toMatch(/^Message-ID: <[\w-]+@mailsim\.test>$/);
    expect(raw.endsWith(sent)).toBe(true);
    expect(await receivedSize()).toBe(Buffer.byteLength(sent));
    const message = (await getJson(`${sim.url}/api/v1/message/latest`)).body;
    expect(message.MessageID).toBe(lines[2]!.slice('Message-ID: <'.length, -1));
    expect(message.ReturnPath).toBe('app@example.com');
    // The transcript says what was added to the message.
    const session = (await getJson(`${sim.url}/api/v1/session/latest`)).body;
    expect(session.Transcript.map((e: { Text: string }) => e.Text)).toContainEqual(expect.stringMatching(/^the message has no Message-ID: added </));
  });

  it('HELO is "with SMTP"; a sender Message-ID and matching Return-Path are kept, not doubled', async () => {
    const result = await python(
      `
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    s.helo('old.example')
    s.sendmail('a@example.com', ['b@example.org', 'c@example.org'], 'Return-Path: <a@example.com>\\r\\nMessage-ID: <given@example.com>\\r\\nSubject: kept\\r\\n\\r\\nbody\\r\\n')
`,
      String(plain),
    );
    expect(result.stderr).toBe('');
    const lines = (await latestRaw()).split('\r\n');
    // Two recipients: no "for" clause (RFC 5321 §7.2: it would disclose Bcc recipients).
    expect(lines[0]).toMatch(/^Received: from old\.example \(unknown \[127\.0\.0\.1\]\) by mailsim\.test \(mailsim\) with SMTP; /);
    expect(lines.slice(1, 3)).toEqual(['Return-Path: <a@example.com>', 'Message-ID: <given@example.com>']);
    expect(lines.filter((line) => /^message-id:/i.test(line))).toHaveLength(1);
  });

  it('STARTTLS and AUTH: ESMTPSA (RFC 3848); a different Return-Path gets the envelope sender on top; null sender is <>', async () => {
    const ca = readFileSync(join(TEST_TLS_DIR, 'ca.pem'), 'utf8');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: starttls, requireTLS: true, tls: { ca }, auth: { user: 'u', pass: 'p' }, name: 'tls.example' });
    await transport.sendMail({ envelope: { from: 'bounce@example.com', to: ['x@example.org'] }, from: 'a@example.com', to: 'x@example.org', subject: 's', text: 't', headers: { 'Return-Path': '<other@example.com>' } });
    transport.close();
    const lines = (await latestRaw()).split('\r\n');
    expect(lines[0]).toBe('Return-Path: <bounce@example.com>');
    expect(lines[1]).toMatch(/ with ESMTPSA for <x@example\.org>; /);
    const bounce = await RawSmtp.open(plain);
    await bounce.reply();
    await bounce.command('EHLO mta.example');
    await bounce.command('MAIL FROM:<>');
    await bounce.command('RCPT TO:<x@example.org>');
    await bounce.command('DATA');
    expect(await bounce.command('Message-ID: <dsn@example.com>\r\nSubject: dsn\r\n\r\nbody\r\n.')).toMatch(/^250 /);
    bounce.close();
    expect((await latestRaw()).split('\r\n')[0]).toBe('Return-Path: <>');
  });

  it('a Message-ID past 100,000 other header fields still counts: no second one is added', async () => {
    const junk = Array.from({ length: 100_000 }, (_, i) => `X-Junk-${i}: v`).join('\r\n');
    const transportless = await RawSmtp.open(plain);
    await transportless.reply();
    await transportless.command('EHLO big.example');
    await transportless.command('MAIL FROM:<a@example.com>');
    await transportless.command('RCPT TO:<b@example.org>');
    await transportless.command('DATA');
    expect(await transportless.command(`${junk}\r\nMessage-ID: <late@example.com>\r\n\r\nbody\r\n.`)).toMatch(/^250 /);
    transportless.close();
    const raw = await latestRaw();
    expect(raw.match(/^message-id:/gim)).toHaveLength(1);
  });
});
