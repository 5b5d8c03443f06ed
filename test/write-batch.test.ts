import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { WriteBatch } from '../server/mail/write-batch.js';

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
