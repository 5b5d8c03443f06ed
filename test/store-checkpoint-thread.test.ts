import type Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it, vi } from 'vitest';
import { CheckpointStarter } from '../server/mail/checkpoint-starter.js';
import { openDatabase } from '../server/mail/database.js';
import { Checkpointer, type SerializedError, WriteHealth } from '../server/mail/write-health.js';
import { getJson, startSim } from './helpers/sim.js';

// Issue 10 (a sim's start cost) and issue 14 (start->ready, idle RSS): the WAL checkpoint
// thread starts with the writer's first call, not with the store.

/** SQLite connections open on the file: each has a descriptor of its own for it. */
function connections(db: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === db;
    } catch {
      return false; // closed meanwhile (readdir's own descriptor)
    }
  }).length;
}

describe('the checkpoint thread', () => {
  it('is not started by a store nobody writes to, and is by its first message', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'mailsim-checkpoint-')), 'mailsim.db');
    const sim = await startSim({ db });
    try {
      expect((await fetch(`${sim.url}/readyz`)).status).toBe(200);
      // The event loop's reader and the writer's connection; not the checkpoint thread's.
      expect(connections(db)).toBe(2);
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ignoreTLS: true });
      const info = await transport.sendMail({ from: 'a@example.com', to: 'b@example.org', subject: 'first', text: 'hello' });
      transport.close();
      expect(info.response).toMatch(/^250 /);
      await vi.waitFor(() => expect(connections(db)).toBe(3), { timeout: 10_000 });
      expect((await getJson<{ messages: unknown[] }>(`${sim.url}/api/v1/messages`)).body.messages).toHaveLength(1);
    } finally {
      await sim.stop();
    }
    expect(connections(db)).toBe(0);
  });

  it('that cannot start is reported, naming it, and the writer checkpoints instead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsim-checkpoint-'));
    const db = openDatabase({ path: join(dir, 'mailsim.db') });
    const checkpoints: string[] = [];
    const counting = new Proxy(db, {
      get(target, key) {
        if (key === 'pragma') return (text: string, options?: object) => (text.startsWith('wal_checkpoint') && checkpoints.push(text), target.pragma(text, options));
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Database.Database;
    const problems: SerializedError[] = [];
    const checkpointer = new Checkpointer(counting, new WriteHealth(() => {}), (problem) => problems.push(problem));
    // A directory where the database should be: the thread's connection cannot open it.
    const starter = new CheckpointStarter({ path: dir, everyMs: 50 }, checkpointer);
    starter.start();
    starter.tick();
    expect(checkpoints).toEqual([]); // the thread is starting: it checkpoints, not this connection
    await vi.waitFor(() => expect(problems).toHaveLength(1), { timeout: 10_000 });
    expect(problems[0]!.message).toMatch(/^the WAL checkpoint thread did not start \(.*unable to open database file.*\); the writer checkpoints instead$/);
    starter.start(); // not again
    starter.tick();
    expect(checkpoints).toEqual(['wal_checkpoint(PASSIVE)']);
    await starter.close();
    db.close();
  });
});
