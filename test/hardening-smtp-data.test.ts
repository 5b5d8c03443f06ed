import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../server/cli/options.js';
import { scenarioSchema } from '../server/faults/schema.js';
import { MemoryBudget } from '../server/smtp/memory-budget.js';
import { bareListener } from './helpers/bare-listener.js';
import { sendOne } from './helpers/hostile-smtp.js';
import { RawSmtp } from './helpers/raw-smtp.js';

// Issue 9, item 11: 40 connections with 20 MiB of unterminated DATA took RSS from 155 to
// 964 MB. Messages in flight now share a budget; one that does not fit is refused with
// 452 4.3.1 at its end and what it held is released at once.
const MiB = 1024 * 1024;
const budget = new MemoryBudget(2.5 * MiB);
const stored: number[] = [];
let lastRaw: Buffer | undefined;
// A message with Subject "slow" waits for its decision long enough to hang up meanwhile.
const scenario = { ...scenarioSchema.parse({ rules: [{ when: { phase: 'data-end', subject: 'slow' }, action: { delay: '1h' } }] }), name: 'default' };
const listener = bareListener({
  maxMessageSize: 4 * MiB,
  dataMemory: budget,
  scenarios: () => scenario,
  messages: {
    ingest: ({ raw }) => {
      stored.push(raw.length);
      lastRaw = raw;
      return Promise.resolve({ id: `m${stored.length}` });
    },
  },
});
let port = 0;
beforeAll(async () => {
  port = (await listener.listen()).port;
});
afterAll(() => listener.close(100));

const body = (size: number, subject = 'big') => `Subject: ${subject}\r\n\r\n${`${'x'.repeat(998)}\r\n`.repeat(Math.ceil(size / 1000))}`;

/** A client that has sent `size` bytes of a message and not yet its end. */
async function inData(size: number, subject?: string): Promise<RawSmtp> {
  const client = await RawSmtp.openToData(port);
  client.write(body(size, subject));
  return client;
}

/** Waits until the server has read what the clients sent (the budget shows it). */
async function untilHeld(bytes: number): Promise<void> {
  while (budget.used < bytes) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('--max-data-memory', () => {
  it('refuses messages past the budget with 452 4.3.1, serves the others and a later client', async () => {
    const a = await inData(MiB);
    const b = await inData(MiB);
    await untilHeld(2 * MiB);
    // Both of these run out of room part-way; what they held goes back at once.
    for (const over of [await inData(MiB), await inData(MiB)]) {
      expect(await over.command('.')).toBe('452 4.3.1 Insufficient system storage');
      await over.command('QUIT');
      expect(budget.used).toBeLessThanOrEqual(2.5 * MiB);
    }
    expect(await a.command('.')).toMatch(/^250 /);
    expect(await b.command('.')).toMatch(/^250 /);
    expect(stored).toHaveLength(2);
    // Stored messages gave their bytes back: two more fit again.
    expect(budget.used).toBe(0);
    const c = await inData(MiB);
    const d = await inData(MiB);
    expect(await c.command('.')).toMatch(/^250 /);
    expect(await d.command('.')).toMatch(/^250 /);
    expect(await sendOne(port)).toMatch(/^250 /);
    expect(budget.used).toBe(0);
  });

  it('gives back what an aborted message held', async () => {
    const client = await inData(MiB);
    await untilHeld(MiB);
    client.close();
    while (budget.used > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await sendOne(port)).toMatch(/^250 /);
  });

  it('gives back what a message held when the client hangs up while it is being decided', async () => {
    const client = await inData(MiB, 'slow');
    client.write('\r\n.\r\n');
    await untilHeld(MiB);
    client.close();
    while (budget.used > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await sendOne(port)).toMatch(/^250 /);
  });

  it('stores a large message whole, trace fields on top, in shared memory (no copy on the event loop)', async () => {
    const client = await inData(2 * MiB, 'whole');
    expect(await client.command('.')).toMatch(/^250 /);
    await client.command('QUIT');
    const text = lastRaw!.toString('latin1');
    expect(lastRaw!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(text).toMatch(/^Return-Path: <a@example.com>\r\nReceived: from big.test /);
    expect(text.endsWith(body(2 * MiB, 'whole').replace(/\r\n$/, '') + '\r\n')).toBe(true);
  });

  it('is an option and an environment variable', () => {
    expect(parseCli(['--max-data-memory', '64MiB'], {}).config.maxDataMemory).toBe(64 * MiB);
    expect(parseCli([], { MAILSIM_MAX_DATA_MEMORY: '1048576' }).config.maxDataMemory).toBe(MiB);
    expect(() => parseCli(['--max-data-memory', 'lots'], {})).toThrow(/--max-data-memory: expected a size/);
  });
});
