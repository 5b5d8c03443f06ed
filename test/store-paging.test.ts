import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Corpus } from '../bench/store-corpus.js';
import { openDatabase } from '../server/mail/database.js';
import { MailWriter } from '../server/mail/mail-writer.js';
import { PAGE_BELOW_SQL } from '../server/mail/message-store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * Pages of the whole mailbox skip along the seq index (migration 9) instead of OFFSET over the
 * rows; every page must be exactly the one OFFSET gives, after deletes left gaps in seq too.
 */
describe('deep pages of the message list', () => {
  it('are the pages OFFSET gives, at every start, with gaps in seq and limit 0 (everything)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsim-paging-'));
    dirs.push(dir);
    const db = openDatabase({ path: join(dir, 'store.db') });
    const writer = new MailWriter(db, { maxMessages: 100_000, maxSessions: 100 }, { sources: ['x-tags'] });
    const corpus = new Corpus(3);
    const writes: Array<Promise<unknown>> = [];
    for (let n = 0; n < 230; n++) {
      const { raw, parsed, envelope } = corpus.message(n);
      writes.push(Promise.resolve(writer.handle({ op: 'ingest', raw: new Uint8Array(raw), parsed, envelope, session: undefined, now: n })));
    }
    await Promise.all(writes);
    const messages = writer.messages;
    // Gaps: every seventh message deleted.
    const ids = messages.list(0, 0).map((m) => m.ID);
    await writer.handle({ op: 'delete', target: { ids: ids.filter((_, i) => i % 7 === 3) } });
    const expected = (start: number, limit: number) =>
      (db.prepare('SELECT id FROM messages ORDER BY seq DESC LIMIT ? OFFSET ?').pluck().all(limit > 0 ? limit : -1, start) as string[]);
    for (const [start, limit] of [[0, 50], [1, 50], [49, 50], [50, 50], [120, 7], [190, 50], [196, 50], [197, 1], [500, 50], [30, 0], [0, 0]] as const) {
      expect(messages.list(start, limit).map((m) => m.ID), `start ${start} limit ${limit}`).toEqual(expected(start, limit));
    }
    expect(messages.list(10, 5)[0]).toEqual(messages.list(0, 0)[10]);
    db.close();
  });
});

describe('deep pages where no seq is missing', () => {
  it('are the pages OFFSET gives after the retention prune deleted the oldest, and read a range of the rowid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsim-paging-'));
    dirs.push(dir);
    const db = openDatabase({ path: join(dir, 'store.db') });
    // Keeps 150 of 230: the prune deletes from the oldest end, so seq runs from 81 to 230 unbroken.
    const writer = new MailWriter(db, { maxMessages: 150, maxSessions: 100 }, { sources: ['x-tags'] });
    const corpus = new Corpus(5);
    for (let n = 0; n < 230; n++) {
      const { raw, parsed, envelope } = corpus.message(n);
      await writer.handle({ op: 'ingest', raw: new Uint8Array(raw), parsed, envelope, session: undefined, now: n });
    }
    const messages = writer.messages;
    expect(db.prepare('SELECT min(seq), max(seq), count(*) FROM messages').raw().get()).toEqual([81, 230, 150]);
    const expected = (start: number, limit: number) =>
      (db.prepare('SELECT id FROM messages ORDER BY seq DESC LIMIT ? OFFSET ?').pluck().all(limit > 0 ? limit : -1, start) as string[]);
    const pages = [[1, 50], [49, 50], [100, 50], [120, 50], [149, 50], [150, 50], [400, 50], [75, 0]] as const;
    for (const [start, limit] of pages) expect(messages.list(start, limit).map((m) => m.ID), `start ${start} limit ${limit}`).toEqual(expected(start, limit));
    // The newest deleted keeps seq unbroken; one in the middle breaks it (the walk of the index answers).
    const newest = messages.list(0, 1)[0]!.ID;
    await writer.handle({ op: 'delete', target: { ids: [newest] } });
    for (const [start, limit] of pages) expect(messages.list(start, limit).map((m) => m.ID), `start ${start} limit ${limit}, newest gone`).toEqual(expected(start, limit));
    await writer.handle({ op: 'delete', target: { ids: [messages.list(60, 1)[0]!.ID] } });
    for (const [start, limit] of pages) expect(messages.list(start, limit).map((m) => m.ID), `start ${start} limit ${limit}, a gap`).toEqual(expected(start, limit));
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${PAGE_BELOW_SQL}`).all(100, 50) as Array<{ detail: string }>).map((row) => row.detail);
    expect(plan[0]).toMatch(/^SEARCH m USING INTEGER PRIMARY KEY \(rowid<\?\)/);
    expect(plan.join('\n')).not.toMatch(/SCAN m\b|TEMP B-TREE/);
    db.close();
  });
});
