import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, SessionsList } from '../server/protocol.js';
import { MIN_SESSION_BYTES, Transcript, TranscriptBudget } from '../server/smtp/transcript.js';
import { nextEvent } from './helpers/events.js';
import { halfClose, sendOne } from './helpers/hostile-smtp.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// Issue 9, item 10: the transcript cap counted lines, not bytes: 30 sessions of 16 KB NOOPs,
// with no mail, wrote 660 MB in 9 s.
const entry = (i: number, text = `line ${i}`) => ({ At: i, Dir: 'C' as const, Text: text });
const jsonBytes = (t: Transcript) => Buffer.byteLength(JSON.stringify(t.entries()));

describe('a transcript within its budget', () => {
  it('keeps the start and the latest lines, says what it left out, and stays within its share', () => {
    const budget = new TranscriptBudget(64 * 1024 * 100, 99);
    expect(budget.perSession).toBe(Math.floor((64 * 1024 * 100) / 1099));
    const transcript = new Transcript(budget);
    for (let i = 0; i < 20_000; i++) transcript.append(entry(i));
    const entries = transcript.entries();
    expect(entries[0]!.Text).toBe('line 0');
    expect(entries.at(-1)!.Text).toBe('line 19999');
    const marker = entries.find((e) => e.Text.startsWith('transcript truncated: '));
    expect(marker?.Dir).toBe('I');
    expect(marker!.Text).toMatch(/^transcript truncated: \d+ lines \(\d+\.\d KiB\) not kept/);
    expect(jsonBytes(transcript)).toBeLessThanOrEqual(budget.perSession + 200);
    transcript.close();
    expect(budget.open).toBe(0);
  });

  it('cuts a single huge line to its start', () => {
    const transcript = new Transcript(new TranscriptBudget(1 << 30, 10));
    transcript.append(entry(1, `NOOP ${'x'.repeat(16_000)}`));
    expect(transcript.entries()[0]!.Text).toMatch(/^NOOP x{995}… \(15005 more characters not kept\)$/);
  });

  it('open sessions share what the stored ones leave, and give it back when they close', () => {
    // 10 stored sessions of 4 KiB each; what is left over is the open sessions' share.
    const budget = new TranscriptBudget(1010 * MIN_SESSION_BYTES, 10);
    expect(budget.perSession).toBe(MIN_SESSION_BYTES);
    const open = Array.from({ length: 2000 }, () => new Transcript(budget));
    for (const t of open) for (let i = 0; i < 200; i++) t.append(entry(i));
    expect(budget.open).toBeLessThanOrEqual(budget.openLimit);
    const total = open.reduce((sum, t) => sum + jsonBytes(t), 0);
    expect(total).toBeLessThanOrEqual(budget.openLimit + open.length * 200);
    for (const t of open) t.close();
    expect(budget.open).toBe(0);
  });
});

// A 16 KB line is now refused before mailsim reads it (the next describe); 12,000-byte NOOPs are
// the longest lines still read (smtp-server's maxCommandLength, RFC 4954 §4's 12,288 octets).
describe('30 sessions of 12 KB NOOPs over loopback', () => {
  let sim: TestSim;
  beforeAll(async () => {
    // 100 sessions kept, 8 MiB for transcripts in all: a share of 7.4 KiB per session.
    sim = await startSim({ maxSessions: 100, maxTranscriptStorage: 8 * 1024 * 1024 });
  });
  afterAll(() => sim.stop());

  it('are cut after 120 junk commands, store each within its share, and another client is served', async () => {
    const noop = `NOOP ${'n'.repeat(12_000)}\r\n`;
    await Promise.all(Array.from({ length: 30 }, () => halfClose(sim.smtpPort, `EHLO flood.test\r\n${noop.repeat(200)}QUIT\r\n`)));
    expect(await sendOne(sim.smtpPort)).toMatch(/^250 /);
    const share = Math.floor((8 * 1024 * 1024) / 1100);
    const list = await (async () => {
      for (;;) {
        const sessions = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions?limit=100`)).body.sessions;
        if (sessions.length === 31 && sessions.every((s) => s.Outcome !== 'active')) return sessions;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    let total = 0;
    const flood = list.filter((s) => s.Outcome !== 'delivered');
    expect(flood).toHaveLength(30);
    for (const summary of flood) {
      const session = (await getJson<Session>(`${sim.url}/api/v1/session/${summary.ID}`)).body;
      const bytes = Buffer.byteLength(JSON.stringify(session.Transcript));
      total += bytes;
      expect(bytes).toBeLessThanOrEqual(share + 200);
      expect(session.Transcript.some((e) => e.Text.startsWith('transcript truncated: '))).toBe(true);
      expect(session.Transcript.at(-1)!.Text).toMatch(/^connection closed/);
      // Postfix: smtpd_junk_command_limit (100) + smtpd_hard_error_limit (20).
      expect(session.Transcript.some((e) => e.Dir === 'S' && /^421 4\.7\.0 mailsim\.test Error: too many errors$/.test(e.Text))).toBe(true);
    }
    expect(total).toBeLessThan(30 * (share + 200));
  });
});

describe('a command line past 12,288 octets (issue 9, item 10)', () => {
  let sim: TestSim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  it('ends the session at its first such line, before mailsim reads it, and another client is served', async () => {
    const noop = `NOOP ${'n'.repeat(16_000)}\r\n`;
    const closed = nextEvent(sim.harness.bus, 'session.closed');
    const received = await halfClose(sim.smtpPort, `EHLO flood.test\r\n${noop.repeat(200)}QUIT\r\n`);
    // smtp-server answers the over-long line itself and closes: no 250 to any NOOP, no QUIT reply.
    expect(received.split('\r\n').filter((l) => /^\d{3} /.test(l)).map((l) => l.slice(0, 3))).toEqual(['220', '250', '421']);
    expect(received).toMatch(/^421 .*Command line too long\r\n$/m);
    const session = await closed;
    const commands = (await getJson<Session>(`${sim.url}/api/v1/session/${session.ID}`)).body.Transcript.filter((e) => e.Dir === 'C');
    expect(commands.map((e) => e.Text)).toEqual(['EHLO flood.test']);
    expect(await sendOne(sim.smtpPort)).toMatch(/^250 /);
  });

  it('still reads an AUTH line of 12 KB (RFC 4954 §4 allows 12,288 octets)', async () => {
    const token = Buffer.from(`\0user\0${'p'.repeat(9_000)}`).toString('base64');
    expect(token.length).toBeGreaterThan(12_000);
    const received = await halfClose(sim.smtpPort, `EHLO client.test\r\nAUTH PLAIN ${token}\r\nQUIT\r\n`);
    expect(received).toMatch(/^235 /m);
    expect(received).toMatch(/^221 /m);
  });
});
