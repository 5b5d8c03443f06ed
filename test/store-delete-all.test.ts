import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Corpus } from '../bench/store-corpus.js';
import { openDatabase, type Db } from '../server/mail/database.js';
import { discardOrEmpty } from '../server/mail/table-discard.js';
import { MailWriter } from '../server/mail/mail-writer.js';
import { parseSearch } from '../server/mail/search-query.js';
import { toSql } from '../server/mail/search-sql.js';
import { fillWriter, openWriter, STORE_NOW as NOW } from './helpers/filled-store.js';
import { RawPop3 } from './helpers/raw-pop3.js';
import { getJson, startSim } from './helpers/sim.js';

// Issue 14: delete-all at 100,000 messages took 2.2 s (DELETE without a WHERE frees every page)
// and must take under 1 s (npm run bench:store measures it). Here: its work does not grow with
// the store, what arrives while it runs is kept, every reader sees the emptied store, and a
// crash at any point leaves a whole store.

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-delete-all-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Fills the store with the bench corpus (seed 3) and indexes it, so a delete-all has it all to discard. */
async function fill(writer: MailWriter, count: number, first = 0): Promise<void> {
  await fillWriter(writer, new Corpus(3), count, { first });
  writer.flush();
  writer.messages.index.catchUp();
}

/** Pages the delete-all's own transaction put on the free list: each one SQLite walked to free. */
function pagesFreedByDeleteAll(db: Db, writer: MailWriter): number {
  const before = db.pragma('freelist_count', { simple: true }) as number;
  db.transaction(() => writer.messages.deleteAll())();
  return (db.pragma('freelist_count', { simple: true }) as number) - before;
}

const discarded = (db: Db) => db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'discarded%'").pluck().get() as number;

describe('delete-all (issue 14)', () => {
  it('frees no page in the request: the tables are set aside, not walked page by page', async () => {
    const { db, writer } = openWriter(join(scratch(), 'store.db'));
    await fill(writer, 2000);
    const pages = db.pragma('page_count', { simple: true }) as number;
    // Main before this change: 2,690 of 2,918 pages freed inside the delete (and 2.2 s at 100,000).
    expect(pagesFreedByDeleteAll(db, writer)).toBeLessThan(16);
    expect(pages).toBeGreaterThan(2000);
    expect(writer.messages.countMatching()).toEqual({ total: 0, unread: 0 });
    expect(writer.messages.list(0, 50)).toEqual([]);
    db.close();
  });

  it('works on a full store (SQLite refuses to grow the file), the delete that makes room', async () => {
    const { db, writer } = openWriter(join(scratch(), 'store.db'));
    await fill(writer, 200);
    writer.flush();
    db.pragma('incremental_vacuum'); // no free page left to hand out
    await writer.handle({ op: 'limitPages', pages: 1 });
    expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    await writer.handle({ op: 'delete', target: 'all' });
    await writer.handle({ op: 'reset' });
    expect(writer.messages.countMatching()).toEqual({ total: 0, unread: 0 });
    while (writer.idleStep()) {
      // frees what was set aside, if the dropped indexes' pages were enough to set it aside
    }
    expect(discarded(db)).toBe(0);
    await writer.handle({ op: 'limitPages', pages: null });
    await fill(writer, 3, 500);
    expect(writer.messages.list(0, 50).length).toBe(3);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('falls back to emptying in place when not one page can be had (SQLITE_FULL)', () => {
    const db = openDatabase({ path: join(scratch(), 'full.db') });
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB)');
    const insert = db.prepare('INSERT INTO t (b) VALUES (randomblob(3000))');
    for (let i = 0; i < 50; i++) insert.run();
    db.pragma('incremental_vacuum');
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    expect(() => db.exec('CREATE TABLE probe (x)')).toThrow(/full/);
    db.transaction(() => discardOrEmpty(db, ['t']))();
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    expect(discarded(db)).toBe(0);
    db.close();
  });

  it('frees what it set aside while idle, in short steps, and the store works throughout', async () => {
    const path = join(scratch(), 'store.db');
    const { db, writer } = openWriter(path);
    await fill(writer, 1200);
    const pagesBefore = db.pragma('page_count', { simple: true }) as number;
    await writer.handle({ op: 'delete', target: 'all' });
    expect(discarded(db)).toBeGreaterThan(0);
    await fill(writer, 5, 5000);
    let steps = 0;
    while (writer.idleStep()) steps++;
    expect(steps).toBeGreaterThan(4);
    expect(discarded(db)).toBe(0);
    expect(db.pragma('freelist_count', { simple: true })).toBeLessThan(1024);
    expect(db.pragma('page_count', { simple: true })).toBeLessThan(pagesBefore);
    expect(statSync(`${path}-wal`).size).toBe(0);
    expect(writer.messages.countMatching()).toEqual({ total: 5, unread: 5 });
    expect(writer.messages.list(0, 50).length).toBe(5);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  // Two child processes and their start-up: ~10 s on this shared machine under load, which is
  // the work the test is about, so it gets the time.
  it('survives a kill inside the delete (the old store) and during the freeing (the new one, freed on the next start)', { timeout: 60_000 }, async () => {
    const path = join(scratch(), 'store.db');
    const { db, writer } = openWriter(path);
    await fill(writer, 300);
    db.close();
    // A child killed at each point, as SIGKILL leaves a process: no close, no checkpoint.
    const killedAt = async (point: 'before-commit' | 'while-freeing') => {
      const script = `
        import { openDatabase } from './server/mail/database.ts';
        import { MailWriter } from './server/mail/mail-writer.ts';
        const db = openDatabase({ path: ${JSON.stringify(path)} });
        const writer = new MailWriter(db, { maxMessages: 100000, maxSessions: 1000 }, { sources: [] });
        if (${JSON.stringify(point)} === 'before-commit') {
          db.exec('BEGIN');
          writer.messages.deleteAll();
          process.kill(process.pid, 'SIGKILL');
        }
        await writer.handle({ op: 'delete', target: 'all' });
        for (let i = 0; i < 3; i++) writer.idleStep();
        process.kill(process.pid, 'SIGKILL');`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
      expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });
    };
    await killedAt('before-commit');
    let reopened = openWriter(path);
    expect(reopened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(reopened.writer.messages.countMatching().total).toBe(300);
    expect(discarded(reopened.db)).toBe(0);
    reopened.db.close();

    await killedAt('while-freeing');
    reopened = openWriter(path);
    expect(reopened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(reopened.writer.messages.countMatching().total).toBe(0);
    expect(discarded(reopened.db)).toBeGreaterThan(0);
    while (reopened.writer.idleStep()) {
      // what the crash left is freed as any delete-all's is
    }
    expect(discarded(reopened.db)).toBe(0);
    expect(reopened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    reopened.db.close();
  });

  it('over HTTP with senders at work: mail acknowledged after the DELETE answered is kept, the WAL is emptied, POP3 and the API see the new store', { timeout: 60_000 }, async () => {
    const path = join(scratch(), 'mailsim.db');
    const sim = await startSim({ db: path, pop3: { host: '127.0.0.1', port: 0 } });
    try {
      const rcpt = 'inbox@delete-all.test';
      const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 1 });
      const filler = transport();
      await Promise.all(Array.from({ length: 60 }, (_, i) => filler.sendMail({ from: 'app@delete-all.test', to: rcpt, subject: `old ${i}`, text: `old message ${i} `.repeat(40) })));
      filler.close();

      // Three senders, each one message at a time. 'after': sent once the DELETE had answered;
      // 'before': its 250 read before the DELETE was sent; anything else overlapped it. (Stamping
      // by the phase when the 250 was read alone is wrong: on a loaded machine the client can
      // read a 250 the server sent before the DELETE's answer after reading that answer.)
      type Phase = 'before' | 'during' | 'after';
      let phase = 'before' as Phase;
      let afterCount = 0;
      const sent: Array<Array<{ subject: string; phase: Phase }>> = [[], [], []];
      const senders = sent.map(async (log, s) => {
        const t = transport();
        for (let i = 0; afterCount < 15; i++) {
          const subject = `live ${s}-${i}`;
          const started = phase;
          await t.sendMail({ from: 'app@delete-all.test', to: rcpt, subject, text: `${subject} body` });
          const stamp: Phase = started === 'after' ? 'after' : phase === 'before' ? 'before' : 'during';
          log.push({ subject, phase: stamp });
          if (stamp === 'after') afterCount++;
        }
        t.close();
      });
      // Once each sender has had a message through, the delete goes as Mailpit clients send it: no body.
      await vi.waitFor(() => expect(sent.every((log) => log.length > 0)).toBe(true), { timeout: 4000, interval: 5 });
      phase = 'during';
      const response = await fetch(`${sim.url}/api/v1/messages`, { method: 'DELETE' });
      expect(response.status).toBe(200);
      phase = 'after';
      await Promise.all(senders);

      const { body } = await getJson(`${sim.url}/api/v1/messages?limit=0`);
      const stored = new Set((body.messages as Array<{ Subject: string }>).map((m) => m.Subject));
      expect([...stored].some((subject) => subject.startsWith('old '))).toBe(false);
      for (const log of sent) {
        for (const { subject, phase: at } of log) {
          if (at === 'after') expect(stored.has(subject), subject).toBe(true);
          if (at === 'before') expect(stored.has(subject), subject).toBe(false);
        }
        // Each sender's messages are committed in order: once one survived, every later one did.
        const kept = log.map(({ subject }) => stored.has(subject));
        expect(kept.indexOf(true) === -1 ? [] : kept.slice(kept.indexOf(true))).not.toContain(false);
      }
      expect(body.total).toBe(stored.size);
      // The WAL's emptying is store-index's test (no senders there): here the senders' commits
      // between the delete and a read of the file's size reached 1.66 MB at load 25.

      const pop = await RawPop3.open(sim.harness.pop3.info().Port);
      await pop.until(/^\+OK/);
      await pop.command(`USER ${rcpt}`);
      await pop.command('PASS x');
      expect(await pop.command('STAT')).toMatch(new RegExp(`^\\+OK ${stored.size} `));
      await pop.command('QUIT');

      // The idle writer frees what was set aside; the API keeps answering from the new tables.
      const reader = new Database(path, { readonly: true });
      await vi.waitFor(() => expect(discarded(reader)).toBe(0), { timeout: 4000, interval: 20 });
      reader.close();
      expect((await getJson(`${sim.url}/api/v1/messages?limit=0`)).body.total).toBe(stored.size);
    } finally {
      await sim.stop();
    }
  });
});

describe('is:unread and is:read alone (issue 14)', () => {
  it('are answered from the kept counts, which match a count of the rows through reads, deletes and delete-all', async () => {
    const { db, writer } = openWriter(join(scratch(), 'store.db'));
    const counted = (query: string) => writer.messages.countMatching(toSql(parseSearch(query, { now: NOW })));
    const rows = (read: number) => db.prepare('SELECT count(*) FROM messages WHERE read = ?').pluck().get(read) as number;
    const check = () => {
      expect(counted('is:unread')).toEqual({ total: rows(0), unread: rows(0) });
      expect(counted('is:read')).toEqual({ total: rows(1), unread: 0 });
    };
    await fill(writer, 300);
    check();
    await writer.handle({ op: 'setRead', read: true, target: { filter: { where: 'm.seq % 4 = 0', params: [] } } });
    check();
    expect(rows(1)).toBe(75);
    await writer.handle({ op: 'delete', target: { ids: writer.messages.list(0, 30).map((m) => m.ID) } });
    check();
    await writer.handle({ op: 'delete', target: 'all' });
    check();
    await fill(writer, 10, 1000);
    check();
    db.close();
  });
});
