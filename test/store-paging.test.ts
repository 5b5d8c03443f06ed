import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Corpus } from '../bench/store-corpus.js';
import { openDatabase } from '../server/mail/database.js';
import { MailWriter } from '../server/mail/mail-writer.js';

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
