import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LARGE_WRITE_BYTES, WriteBatch } from '../server/mail/write-batch.js';

/** A database that counts the transactions committed through db.transaction. */
function counted() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  let commits = 0;
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: never[]) => unknown) => {
    const wrapped = transaction(fn);
    return (...args: never[]) => {
      const result = wrapped(...args);
      commits++;
      return result;
    };
  }) as typeof db.transaction;
  const rows = () => (db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all() as string[]);
  return { db, insert, rows, commits: () => commits };
}

describe('WriteBatch.runSoon (writes no reply waits on)', () => {
  it('joins the next batch of run() writes: one commit, in the order queued', async () => {
    const { db, insert, rows, commits } = counted();
    const batch = new WriteBatch(db);
    const session = batch.runSoon(() => insert.run('session'), 60_000);
    const message = batch.run(() => insert.run('message'));
    await Promise.all([session, message]);
    expect(rows()).toEqual(['session', 'message']);
    expect(commits()).toBe(1);
  });

  it('commits alone when no other write comes, and before the database closes', async () => {
    const { db, insert, rows } = counted();
    const batch = new WriteBatch(db);
    await batch.runSoon(() => insert.run('alone'), 1);
    expect(rows()).toEqual(['alone']);
    const pending = batch.runSoon(() => insert.run('at close'), 60_000);
    batch.flush();
    await pending;
    expect(rows()).toEqual(['alone', 'at close']);
  });

  it('a deferred write that throws fails alone; its batch neighbours commit', async () => {
    const { db, insert, rows } = counted();
    const batch = new WriteBatch(db);
    const bad = batch.runSoon(() => {
      throw new Error('broken row');
    }, 60_000);
    const good = batch.run(() => insert.run('message'));
    await expect(bad).rejects.toThrow('broken row');
    await good;
    expect(rows()).toEqual(['message']);
  });
});

describe('WriteBatch.run with large writes (issue 9, item 11)', () => {
  const LARGE = LARGE_WRITE_BYTES;
  /** The order of writes and commits, as "v" for a write and "|" for a commit. */
  function traced() {
    const { db, insert, rows, commits } = counted();
    const trace: string[] = [];
    let seen = 0;
    const write = (v: string) => () => {
      if (commits() !== seen) trace.push('|');
      seen = commits();
      trace.push(v);
      return insert.run(v);
    };
    return { db, rows, write, trace: () => (commits() !== seen ? [...trace, '|'] : trace).join(' ') };
  }

  it('commits each large write alone, in order, after the small writes queued with them', async () => {
    const { db, write, trace } = traced();
    const batch = new WriteBatch(db);
    await Promise.all([batch.run(write('L1'), LARGE), batch.run(write('L2'), LARGE), batch.run(write('s1')), batch.run(write('s2'), LARGE - 1)]);
    expect(trace()).toBe('s1 s2 | L1 | L2 |');
  });

  it('a small write queued while large ones wait commits before the next large one', async () => {
    const { db, write, trace } = traced();
    const batch = new WriteBatch(db);
    const first = batch.run(write('L1'), LARGE);
    const rest = [batch.run(write('L2'), LARGE), batch.run(write('L3'), LARGE)];
    await first;
    const small = batch.run(write('s1'));
    await small;
    await Promise.all(rest);
    expect(trace()).toBe('L1 | s1 | L2 | L3 |');
  });

  it('a stream of small writes holds a large one back for a while, not for ever', async () => {
    const { db, write, trace } = traced();
    const batch = new WriteBatch(db);
    let running = true;
    const large = Promise.all([batch.run(write('L1'), LARGE), batch.run(write('L2'), LARGE)]).then(() => (running = false));
    // A new small write in every turn, until both large ones are in.
    let n = 0;
    while (running && n < 100_000) await Promise.race([batch.run(write(`s${n++}`)), large]);
    await large;
    expect(running).toBe(false);
    expect(trace()).toMatch(/^s0 \| .*L1 .*L2/);
  });

  it('a small write announced with hold() goes before the next large one, once it comes', async () => {
    const { db, write, trace } = traced();
    const batch = new WriteBatch(db);
    const release = batch.hold();
    const large = batch.run(write('L1'), LARGE);
    // Several turns pass, as when the small message is being parsed.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    release();
    await batch.run(write('s1'));
    await large;
    expect(trace()).toBe('s1 | L1 |');
  });

  it('flush() commits the large writes too, so nothing queued is left behind a bulk operation', async () => {
    const { db, rows, write } = traced();
    const batch = new WriteBatch(db);
    const pending = [batch.run(write('L1'), LARGE), batch.run(write('s1'))];
    batch.flush();
    expect(rows()).toEqual(['s1', 'L1']);
    await Promise.all(pending);
  });

  it('a large write that throws fails alone and the count is re-read', async () => {
    const { db, rows, write } = traced();
    let rollbacks = 0;
    const batch = new WriteBatch(db, () => rollbacks++);
    const bad = batch.run(() => {
      throw new Error('broken blob');
    }, LARGE);
    const good = batch.run(write('L2'), LARGE);
    await expect(bad).rejects.toThrow('broken blob');
    await good;
    expect(rows()).toEqual(['L2']);
    expect(rollbacks).toBe(1);
  });
});
