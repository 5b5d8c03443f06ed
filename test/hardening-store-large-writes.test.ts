import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawSmtp } from './helpers/raw-smtp.js';
import { startSim, type TestSim } from './helpers/sim.js';

// Issue 9, item 11: while 13 messages of 20 MiB were stored, another client's 2 KiB message
// waited 2.2 s for its 250: the writer's group commit put it in one transaction with the large
// inserts (~100 ms each). Large writes now commit one per transaction, and small ones between.
const MiB = 1024 * 1024;
const LARGE = 6;
const body = (tag: string) => `Subject: ${tag}\r\n\r\n${`${tag}${'x'.repeat(990)}\r\n`.repeat(6 * 1024)}`;

let sim: TestSim;
// A database on disk: its inserts of large blobs take as long as a user's (in memory they are a copy).
const dir = mkdtempSync(join(tmpdir(), 'mailsim-large-writes-'));
beforeAll(async () => {
  sim = await startSim({ maxDataMemory: 64 * MiB, db: join(dir, 'm.db') });
});
afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a transaction and sends all of DATA but its terminating dot. */
async function openData(text: string): Promise<RawSmtp> {
  const client = await RawSmtp.open(sim.smtpPort);
  await client.reply();
  await client.command('EHLO big.test');
  await client.command('MAIL FROM:<big@example.com>');
  await client.command('RCPT TO:<sink@example.org>');
  expect(await client.command('DATA')).toMatch(/^354 /);
  client.write(text);
  return client;
}

describe('large messages being stored', () => {
  it("do not hold up another client's 250, and each is stored whole", async () => {
    const order: string[] = [];
    const off = sim.harness.bus.on('message.received', (summary) => order.push(summary.Subject));
    try {
      const clients = await Promise.all(Array.from({ length: LARGE }, (_, i) => openData(body(`large${i}`))));
      const small = await Promise.all([0, 1].map((i) => openData(`Subject: small${i}\r\n\r\nhello\r\n`)));
      // All end at once, so the large messages reach the writer together; the small ones end
      // once the first large one is stored, while the others are still to be.
      const ends = clients.map((client) => client.command('.'));
      const done = Promise.all(ends);
      await Promise.race(ends);
      const smallReplies = await Promise.all(small.map((client) => client.command('.')));
      for (const reply of await done) expect(reply).toMatch(/^250 /);
      for (const reply of smallReplies) expect(reply).toMatch(/^250 /);
      const larges = order.map((subject, i) => (subject.startsWith('large') ? i : -1)).filter((i) => i >= 0);
      expect(larges).toHaveLength(LARGE);
      // Before the fix the large ones shared one commit, and every small one came after them all.
      const between = order.slice(larges[0], larges.at(-1)).filter((subject) => subject.startsWith('small'));
      expect(between.length, order.join(' ')).toBeGreaterThan(0);
      // Every large message is stored intact.
      const listed = (await (await fetch(`${sim.url}/api/v1/messages?limit=0`)).json()) as { messages: Array<{ ID: string; Subject: string }> };
      for (let i = 0; i < LARGE; i++) {
        const id = listed.messages.find((m) => m.Subject === `large${i}`)!.ID;
        const raw = await (await fetch(`${sim.url}/api/v1/message/${id}/raw`)).text();
        expect(raw.endsWith(body(`large${i}`)), `large${i}`).toBe(true);
      }
      for (const client of [...clients, ...small]) client.close();
    } finally {
      off();
    }
  }, 20_000);
});
