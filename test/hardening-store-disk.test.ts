import Database from 'better-sqlite3';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreState } from '../server/ports/mailbox.js';
import { Checkpointer, WriteHealth, type WriteState } from '../server/mail/write-health.js';
import { openDatabase } from '../server/mail/database.js';
import type { MessagesSummary } from '../server/protocol.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// Issue 9 item 9: a full disk must not kill the store for good. The disk is filled with SQLite's
// max_page_count on the writer's connection (a database that cannot grow answers SQLITE_FULL,
// as a full disk does), and emptied by lifting it.
let sim: TestSim;

beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());

function send(subject: string, text: string): Promise<{ ok: true; id: string } | { ok: false; code: number; response: string }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ignoreTLS: true });
  return transport
    .sendMail({ from: 'sender@example.com', to: 'sink@example.org', subject, text })
    .then(
      (info) => ({ ok: true as const, id: info.response.split(' ').pop()! }),
      (error: { responseCode: number; response: string }) => ({ ok: false as const, code: error.responseCode, response: error.response }),
    )
    .finally(() => transport.close());
}

function storeState(wanted: StoreState['state']): Promise<StoreState> {
  return new Promise((resolve) => {
    const off = sim.harness.mailbox.onStoreChange((state) => {
      if (state.state !== wanted) return;
      off();
      resolve(state);
    });
  });
}

describe('a full disk', () => {
  it('answers 452 4.3.1 while full, says why on /readyz and /metrics, and recovers by itself once space is back', async () => {
    expect(await send('before', 'fits')).toMatchObject({ ok: true });
    await sim.harness.mailbox.limitPages(1); // no growth from here on: the disk is full

    const refused = await send('too big', 'x'.repeat(1 << 20));
    expect(refused).toEqual({ ok: false, code: 452, response: '452 4.3.1 Insufficient system storage' });
    const ready = await fetch(`${sim.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/^store full since \S+ \(SQLITE_FULL: database or disk is full\): new mail is answered 452 4.3.1 until space is freed$/);
    expect(await fetch(`${sim.url}/metrics`).then((r) => r.text())).toContain('mailsim_store_state{state="full"} 1');
    // Other clients are served meanwhile (the API answers, SMTP replies) and nothing refused is stored.
    const alsoRefused = await send('also too big', 'y'.repeat(1 << 20));
    expect(alsoRefused).toMatchObject({ ok: false, code: 452 });
    const listed = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body;
    expect(listed.messages.map((m) => m.Subject)).toEqual(['before']);
    // The real error, logged once for the whole episode.
    expect(sim.warnings.filter((w) => w.startsWith('store full'))).toEqual(['store full (database or disk is full): new mail is answered 452 4.3.1 until space is freed']);

    const freed = performance.now();
    await sim.harness.mailbox.limitPages(null);
    const stored = await send('after', 'x'.repeat(1 << 20));
    const recoveryMs = performance.now() - freed;
    expect(stored).toMatchObject({ ok: true });
    console.log(`disk-full recovery: ${recoveryMs.toFixed(0)} ms from space freed to the first 250`);
    expect((await fetch(`${sim.url}/readyz`)).status).toBe(200);
    expect(await fetch(`${sim.url}/metrics`).then((r) => r.text())).toContain('mailsim_store_state{state="ok"} 1');
    const after = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body;
    expect(after.messages.map((m) => m.Subject)).toEqual(['after', 'before']);
  });

  it('becomes ready again once space is back even when no mail comes (the writer probes for space)', async () => {
    await sim.harness.mailbox.limitPages(1);
    const full = storeState('full');
    expect(await send('refused', 'z'.repeat(1 << 20))).toMatchObject({ ok: false, code: 452 });
    await full;
    const ok = storeState('ok');
    await sim.harness.mailbox.limitPages(null);
    await ok;
    expect((await fetch(`${sim.url}/readyz`)).status).toBe(200);
  });
});

describe('the WAL checkpoint', () => {
  it('on SQLITE_FULL marks the store full instead of throwing out of its timer (which killed the writer thread)', () => {
    const db = openDatabase({ path: ':memory:' });
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const failing = new Proxy(db, {
      get(target, key) {
        if (key === 'pragma') return (text: string, options?: object) => (text.startsWith('wal_checkpoint') ? (() => { throw full; })() : target.pragma(text, options));
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Database.Database;
    const states: WriteState[] = [];
    const problems: unknown[] = [];
    const health = new WriteHealth((state) => states.push(state));
    const checkpointer = new Checkpointer(failing, health, (error) => problems.push(error));
    db.pragma('max_page_count = 1');
    expect(() => checkpointer.tick()).not.toThrow();
    expect(states).toEqual([{ state: 'full', error: expect.objectContaining({ code: 'SQLITE_FULL' }), since: expect.any(Number) }]);
    expect(problems).toEqual([]);
    db.close();
  });
});
