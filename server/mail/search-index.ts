import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

const COLUMNS = 'from_lc, to_lc, cc_lc, bcc_lc, reply_to_lc, rcpt_lc, subject_lc, message_id_lc, body_lc';
/** Rows per transaction: each FTS5 commit flushes a segment (~5 ms here), each row ~1 ms of trigrams. */
const CHUNK = 25;

/**
 * Keeps message_fts (the trigram index, database.ts) in step with message_search, outside the
 * commit that stores a message. Indexing in that commit made every commit flush an FTS5 segment:
 * measured here, 5.5 ms more per message stored one per commit (the 250 waits for it), and as
 * much again for a delete (the retention prune at --max-messages deletes one per message).
 *
 * The invariant searches rely on (search-sql.ts): every message with seq <= `upto` is in the
 * index with its text; messages above it are not yet, and a search reads them by scanning.
 * The index may also hold rows of deleted messages (`message_fts_stale`, purged here first):
 * harmless, a candidate without its message finds nothing. Deletes lower `upto` to the newest
 * seq left, so a seq SQLite hands out again (rowid = max + 1) is above it until indexed, and its
 * stale row is purged before it is indexed again.
 */
export class SearchIndex {
  readonly #stale: Statement<[number]>;
  readonly #purge: Statement<[number]>;
  readonly #unstale: Statement<[number]>;
  readonly #index: Statement<[number, number]>;
  readonly #advance: Statement<[number]>;
  readonly #upto: Statement<[]>;
  readonly #newest: Statement<[]>;

  constructor(private readonly db: Db) {
    this.#stale = db.prepare('SELECT seq FROM message_fts_stale ORDER BY seq LIMIT ?').pluck() as Statement<[number]>;
    this.#purge = db.prepare('DELETE FROM message_fts WHERE rowid = ?');
    this.#unstale = db.prepare('DELETE FROM message_fts_stale WHERE seq = ?');
    this.#index = db.prepare(`INSERT INTO message_fts (rowid, ${COLUMNS}) SELECT seq, ${COLUMNS} FROM message_search WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.#advance = db.prepare('UPDATE message_index SET upto = ?');
    this.#upto = db.prepare('SELECT upto FROM message_index').pluck() as Statement<[]>;
    this.#newest = db.prepare('SELECT coalesce(max(seq), 0) FROM message_search').pluck() as Statement<[]>;
  }

  /** Call inside the deleting transaction, before the rows go: seq in [from, to] leave the index later. */
  forget(from: number, to: number): void {
    this.db.prepare('INSERT OR IGNORE INTO message_fts_stale SELECT seq FROM message_search WHERE seq BETWEEN ? AND min(?, (SELECT upto FROM message_index))').run(from, to);
  }

  /** Call inside the deleting transaction, after the rows went. */
  deleted(): void {
    this.db.prepare('UPDATE message_index SET upto = min(upto, (SELECT coalesce(max(seq), 0) FROM message_search))').run();
  }

  /** Delete-all, after message_fts was replaced by an empty one (table-discard.ts): nothing is left to purge. */
  clear(): void {
    this.db.exec('DELETE FROM message_fts_stale; UPDATE message_index SET upto = 0;');
  }

  /** One chunk of work in its own transaction; false when the index has caught up. */
  step(chunk = CHUNK): boolean {
    return this.db.transaction(() => {
      const stale = this.#stale.all(chunk) as number[];
      if (stale.length) {
        for (const seq of stale) {
          this.#purge.run(seq);
          this.#unstale.run(seq);
        }
        return true;
      }
      const upto = this.#upto.get() as number;
      const newest = this.#newest.get() as number;
      if (newest <= upto) return false;
      this.#index.run(upto, chunk);
      // The chunk-th seq above upto, or the newest: what the insert above just covered.
      const covered = this.db.prepare('SELECT max(seq) FROM (SELECT seq FROM message_search WHERE seq > ? ORDER BY seq LIMIT ?)').pluck().get(upto, chunk) as number;
      this.#advance.run(covered);
      return covered < newest;
    })();
  }

  /** Indexes everything now, in larger chunks: nothing waits (tests, the bench's fill). */
  catchUp(): void {
    while (this.step(500)) {
      // each step commits on its own
    }
  }
}
