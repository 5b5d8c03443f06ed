import type { Address, MessageSummary } from '../protocol.js';
import type { StoredMessage } from '../ports/mailbox.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import type { SqlFilter } from './search-sql.js';
import { SearchIndex } from './search-index.js';
import { TagStore } from './tag-store.js';
import { discardOrEmpty } from './table-discard.js';
import { sortTags } from './tags.js';

export interface NewMessage {
  id: string;
  sessionId: string | null;
  created: number;
  envelopeFrom: string;
  envelopeTo: string[];
  messageId: string;
  subject: string;
  addresses: StoredAddresses;
  date: number | null;
  size: number;
  snippet: string;
  attachments: number;
  inline: number;
  username: string;
  raw: Buffer;
  bodyText: string;
  /** Cleaned and de-duplicated (mail/tags.ts). */
  tags: string[];
  /** What could not be parsed and why; none when it parsed in full. */
  problems?: string[];
}

export interface StoredAddresses {
  From: Address | null;
  To: Address[];
  Cc: Address[];
  Bcc: Address[];
  ReplyTo: Address[];
}

interface MessageRow {
  seq: number;
  id: string;
  session_id: string | null;
  created: number;
  envelope_from: string;
  envelope_to: string;
  message_id: string;
  subject: string;
  addresses: string;
  date: number | null;
  size: number;
  snippet: string;
  attachments: number;
  inline: number;
  username: string;
  read: number;
  /** Comma-separated (tag names cannot contain commas); null without tags. */
  tags: string | null;
}


/** Every table holding rows of messages; tag names (tags) and the index's watermark stay. */
const DISCARDED_WITH_MESSAGES = ['messages', 'message_raw', 'message_search', 'message_tags', 'message_fts'];

const NO_FILTER: SqlFilter = { where: '1', params: [] };
const TAGS_COLUMN = '(SELECT group_concat(t.name, \',\') FROM message_tags mt JOIN tags t ON t.id = mt.tag_id WHERE mt.seq = m.seq) AS tags';
const SUMMARY_COLUMNS = `m.seq, m.id, m.session_id, m.created, m.envelope_from, m.envelope_to, m.message_id, m.subject, m.addresses, m.date, m.size, m.snippet, m.attachments, m.inline, m.username, m.read, ${TAGS_COLUMN}`;
const FROM = 'FROM messages m JOIN message_search s ON s.seq = m.seq';
const SEARCH_COLUMNS = 'from_lc, to_lc, cc_lc, bcc_lc, reply_to_lc, rcpt_lc, subject_lc, message_id_lc, body_lc';

/** A page of the whole mailbox from a seq down: a range of the rowid (list, #deepPage). */
export const PAGE_BELOW_SQL = `SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.seq <= ? ORDER BY m.seq DESC LIMIT ?`;

/** Only a filter on the search text needs message_search: a plain list reads messages alone. */
const fromFor = (filter: SqlFilter) => (filter.text ? FROM : 'FROM messages m');

function problemsOf(column: string): string[] {
  return column ? (JSON.parse(column) as string[]) : [];
}

function lc(addresses: Address[]): string {
  return addresses.map((a) => `${a.Name} <${a.Address}>`).join(', ').toLowerCase();
}

/** `known` skips parsing what the caller already has in hand (a row it has just written). */
export function messageSummaryOf(row: MessageRow, known?: { addresses: StoredAddresses; envelopeTo: string[]; tags: string[] }): MessageSummary {
  const addresses = known?.addresses ?? (JSON.parse(row.addresses) as StoredAddresses);
  return {
    ID: row.id,
    MessageID: row.message_id,
    Read: row.read === 1,
    From: addresses.From,
    To: addresses.To,
    Cc: addresses.Cc,
    Bcc: addresses.Bcc,
    ReplyTo: addresses.ReplyTo,
    Subject: row.subject,
    Created: new Date(row.created).toISOString(),
    Username: row.username,
    Tags: known?.tags ?? (row.tags ? sortTags(row.tags.split(',')) : []),
    Size: row.size,
    Attachments: row.attachments,
    Snippet: row.snippet,
    Envelope: { From: row.envelope_from, To: known?.envelopeTo ?? (JSON.parse(row.envelope_to) as string[]) },
    SessionID: row.session_id,
  };
}

/**
 * Messages table access. Keeps the message count in memory: it is needed on every insert to
 * enforce --max-messages and a COUNT(*) per message would dominate ingest at high rates.
 */
export class MessageStore {
  #count: number;
  readonly tags: TagStore;
  readonly index: SearchIndex;
  readonly #insertMessage;
  readonly #insertRaw;
  readonly #insertSearch;
  readonly #counted;
  readonly #statements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Db) {
    this.#count = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    this.tags = new TagStore(db);
    this.index = new SearchIndex(db);
    this.#insertMessage = db.prepare(
      `INSERT INTO messages (id, session_id, created, envelope_from, envelope_to, message_id, subject, addresses, date, size, snippet, attachments, inline, username, parse_problems)
       VALUES (@id, @session_id, @created, @envelope_from, @envelope_to, @message_id, @subject, @addresses, @date, @size, @snippet, @attachments, @inline, @username, @parse_problems)`,
    );
    this.#insertRaw = db.prepare('INSERT INTO message_raw (seq, raw) VALUES (?, ?)');
    this.#insertSearch = db.prepare(`INSERT INTO message_search (seq, ${SEARCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#counted = db.prepare<[number, number]>('UPDATE message_counts SET total = total + ?, unread = unread + ?');
  }

  /** Search queries come in a bounded number of shapes; preparing each shape once saves ~20µs a call. */
  #prepare(sql: string): Statement<unknown[]> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= 256) this.#statements.clear();
      statement = this.db.prepare<unknown[]>(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs reads in one snapshot of the store, taken before anything is prepared. A statement that
   * reads the FTS index connects the virtual table on (re)preparing, and FTS5's constructor runs
   * queries of its own: outside a transaction those open a later snapshot than the schema the
   * statement was prepared against, and while the idle writer renames and drops the tables a
   * delete-all set aside (table-discard.ts) that fails as "vtable constructor failed:
   * message_fts" (SQLITE_SCHEMA), a search answering 500; any statement re-prepared 50 times
   * while changes keep landing fails as "database schema has changed". Inside one read
   * transaction, begun by a read of the schema, every statement is prepared and run against the
   * same snapshot; the counts and the page read in it also agree.
   */
  snapshot<T>(read: () => T): T {
    if (this.db.inTransaction) return read();
    return this.db.transaction(() => {
      this.#prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get();
      return read();
    })();
  }

  /** Re-reads the count after a rolled-back transaction left the in-memory one wrong. */
  recount(): void {
    this.#count = this.#prepare('SELECT count(*) FROM messages').pluck().get() as number;
  }

  get count(): number {
    return this.#count;
  }

  /** Call inside a transaction: the three rows stand or fall together. */
  insert(m: NewMessage): MessageSummary {
    const row: MessageRow = {
      seq: 0,
      id: m.id,
      session_id: m.sessionId,
      created: m.created,
      envelope_from: m.envelopeFrom,
      envelope_to: JSON.stringify(m.envelopeTo),
      message_id: m.messageId,
      subject: m.subject,
      addresses: JSON.stringify(m.addresses),
      date: m.date,
      size: m.size,
      snippet: m.snippet,
      attachments: m.attachments,
      inline: m.inline,
      username: m.username,
      read: 0,
      tags: null,
    };
    // Named parameters: better-sqlite3 binds the columns the statement names and ignores the rest.
    const problems = m.problems?.length ? JSON.stringify(m.problems) : '';
    row.seq = Number(this.#insertMessage.run({ ...row, parse_problems: problems }).lastInsertRowid);
    this.#insertRaw.run(row.seq, m.raw);
    const { addresses: a } = m;
    const search = [
      row.seq,
      lc(a.From ? [a.From] : []),
      lc(a.To),
      lc(a.Cc),
      lc(a.Bcc),
      lc(a.ReplyTo),
      m.envelopeTo.join(', ').toLowerCase(),
      m.subject.toLowerCase(),
      m.messageId.toLowerCase(),
      m.bodyText.toLowerCase(),
    ];
    // Indexed after this commit (search-index.ts), not in it.
    this.#insertSearch.run(...search);
    this.#counted.run(1, 1);
    const tags = m.tags.length ? this.tags.attach(row.seq, m.tags) : [];
    this.#count++;
    return messageSummaryOf(row, { addresses: m.addresses, envelopeTo: m.envelopeTo, tags });
  }

  list(start: number, limit: number, filter: SqlFilter = NO_FILTER): MessageSummary[] {
    // LIMIT -1 is SQLite's "no limit": Mailpit's limit=0 lists everything.
    const max = limit > 0 ? limit : -1;
    const rows = (
      filter.where === NO_FILTER.where && start > 0
        ? this.#deepPage(start, max)
        : this.#prepare(`SELECT ${SUMMARY_COLUMNS} ${fromFor(filter)} WHERE ${filter.where} ORDER BY m.seq DESC LIMIT ? OFFSET ?`).all(...filter.params, max, start)
    ) as MessageRow[];
    return rows.map((row) => messageSummaryOf(row));
  }

  /**
   * A page of the whole mailbox below the newest `start`. Where no seq is missing between the
   * oldest and the newest (the retention prune deletes from the oldest end, so only a delete of
   * chosen messages leaves a gap) the start-th newest is max(seq) - start, and the page is a
   * range of the rowid: two b-tree descents whatever the depth. Otherwise the skip walks the
   * narrow seq index, not the rows (migration 9): 0.3 ms at 50,000 of 100,000, against ~0 here.
   * The kept total (message_counts) is read in the same snapshot as the bounds.
   */
  #deepPage(start: number, max: number): unknown[] {
    const { newest, oldest, total } = this.#prepare('SELECT (SELECT max(seq) FROM messages) AS newest, (SELECT min(seq) FROM messages) AS oldest, (SELECT total FROM message_counts) AS total')
      .get() as { newest: number | null; oldest: number | null; total: number };
    if (newest !== null && oldest !== null && newest - oldest + 1 === total) {
      return this.#prepare(PAGE_BELOW_SQL).all(newest - start, max);
    }
    return this.#prepare(`SELECT ${SUMMARY_COLUMNS} FROM messages m WHERE m.seq IN (SELECT seq FROM messages INDEXED BY messages_by_seq ORDER BY seq DESC LIMIT ? OFFSET ?) ORDER BY m.seq DESC`).all(max, start);
  }

  /** Matching and unread-matching counts in one pass; the whole mailbox's as kept, not counted. */
  countMatching(filter: SqlFilter = NO_FILTER): { total: number; unread: number } {
    if (filter.where === '1') return this.#prepare('SELECT total, unread FROM message_counts').get() as { total: number; unread: number };
    // is:unread and is:read alone (search-sql.ts) are the kept counts too: counting them scanned
    // every row, 733 ms for is:unread at 100,000 messages.
    if (filter.where === 'm.read = 0') return this.#prepare('SELECT unread AS total, unread FROM message_counts').get() as { total: number; unread: number };
    if (filter.where === 'm.read = 1') return this.#prepare('SELECT total - unread AS total, 0 AS unread FROM message_counts').get() as { total: number; unread: number };
    // A filter on seq and read alone (an indexed substring search, search-sql.ts) is counted in
    // messages_by_seq, 2 ids a row, rather than in the summary rows: SQLite takes the rowid for
    // `m.seq IN (...)` otherwise, one random read of a ~700-byte row per match (5,000 of them for
    // from:grace at 100,000 messages).
    const from = filter.narrow ? 'FROM messages m INDEXED BY messages_by_seq' : fromFor(filter);
    const row = this.#prepare(`SELECT count(*) AS total, coalesce(sum(m.read = 0), 0) AS unread ${from} WHERE ${filter.where}`)
      .get(...filter.params) as { total: number; unread: number };
    return row;
  }

  /** `latest` is Mailpit's alias for the newest message. */
  get(id: string): StoredMessage | undefined {
    const where = id === 'latest' ? 'm.seq = (SELECT max(seq) FROM messages)' : 'm.id = ?';
    const row = this.#prepare(`SELECT ${SUMMARY_COLUMNS}, m.parse_problems, r.raw FROM messages m JOIN message_raw r ON r.seq = m.seq WHERE ${where}`)
      .get(...(id === 'latest' ? [] : [id])) as (MessageRow & { raw: Buffer; parse_problems: string }) | undefined;
    return row && { summary: messageSummaryOf(row), date: row.date, raw: row.raw, problems: problemsOf(row.parse_problems) };
  }

  /** A message without its raw bytes (which can be 25 MiB): what opening it needs on this thread. */
  lookup(id: string): Omit<StoredMessage, 'raw'> | undefined {
    const where = id === 'latest' ? 'm.seq = (SELECT max(seq) FROM messages)' : 'm.id = ?';
    const row = this.#prepare(`SELECT ${SUMMARY_COLUMNS}, m.parse_problems FROM messages m WHERE ${where}`)
      .get(...(id === 'latest' ? [] : [id])) as (MessageRow & { parse_problems: string }) | undefined;
    return row && { summary: messageSummaryOf(row), date: row.date, problems: problemsOf(row.parse_problems) };
  }

  idsMatching(filter: SqlFilter): string[] {
    return this.#prepare(`SELECT m.id ${FROM} WHERE ${filter.where}`).pluck().all(...filter.params) as string[];
  }

  idsForSession(sessionId: string): string[] {
    return this.#prepare('SELECT id FROM messages WHERE session_id = ? ORDER BY seq').pluck().all(sessionId) as string[];
  }

  /** Returns the IDs that existed and were deleted. */
  delete(ids: readonly string[]): string[] {
    const find = this.#prepare('SELECT seq FROM messages WHERE id = ?').pluck();
    const deleted: string[] = [];
    for (const id of ids) {
      const seq = find.get(id) as number | undefined;
      if (seq === undefined) continue;
      this.#deleteRange(seq, seq);
      deleted.push(id);
    }
    this.#count -= deleted.length;
    return deleted;
  }

  /** Deletes seq in [from, to] from all three tables (and their tag links); returns the message IDs. */
  #deleteRange(from: number, to: number): string[] {
    if (this.tags.detachRange(from, to)) this.tags.pruneUnused();
    this.#prepare('DELETE FROM message_raw WHERE seq BETWEEN ? AND ?').run(from, to);
    this.index.forget(from, to);
    this.#prepare('DELETE FROM message_search WHERE seq BETWEEN ? AND ?').run(from, to);
    this.index.deleted();
    const rows = this.#prepare('DELETE FROM messages WHERE seq BETWEEN ? AND ? RETURNING id, read').all(from, to) as Array<{ id: string; read: number }>;
    if (rows.length) this.#counted.run(-rows.length, -rows.filter((r) => r.read === 0).length);
    return rows.map((r) => r.id);
  }

  /**
   * The message tables are set aside and new empty ones take their place (table-discard.ts): a
   * DELETE without a WHERE still freed every page of them here, 2.2 s at 100,000 messages. The
   * rows set aside are freed later by the idle writer; nothing reads them meanwhile.
   */
  deleteAll(): number {
    const count = this.#count;
    discardOrEmpty(this.db, DISCARDED_WITH_MESSAGES);
    this.index.clear();
    this.tags.clear();
    this.#prepare('UPDATE message_counts SET total = 0, unread = 0').run();
    this.#count = 0;
    return count;
  }

  /** Oldest messages beyond `keep`, deleted in one range; their IDs returned for the event feed. */
  pruneToCount(keep: number): string[] {
    if (this.#count <= keep) return [];
    const newestToDrop = this.#prepare('SELECT seq FROM messages ORDER BY seq ASC LIMIT 1 OFFSET ?')
      .pluck()
      .get(this.#count - keep - 1) as number;
    const deleted = this.#deleteRange(0, newestToDrop);
    this.#count -= deleted.length;
    return deleted;
  }

  idsOlderThan(cutoff: number): string[] {
    return this.#prepare('SELECT id FROM messages WHERE created < ? ORDER BY seq').pluck().all(cutoff) as string[];
  }

  /** Returns the IDs whose flag actually changed. */
  setRead(read: boolean, target: { ids: readonly string[] } | { filter: SqlFilter }): string[] {
    const changed = this.#changeRead(read ? 1 : 0, target);
    if (changed.length) this.#counted.run(0, read ? -changed.length : changed.length);
    return changed;
  }

  #changeRead(value: number, target: { ids: readonly string[] } | { filter: SqlFilter }): string[] {
    if ('ids' in target) {
      const statement = this.#prepare('UPDATE messages SET read = ? WHERE id = ? AND read != ? RETURNING id').pluck();
      return target.ids.flatMap((id) => statement.all(value, id, value) as string[]);
    }
    const { where, params } = target.filter;
    return this.#prepare(`UPDATE messages SET read = ? WHERE read != ? AND seq IN (SELECT m.seq ${FROM} WHERE ${where}) RETURNING id`)
      .pluck()
      .all(value, value, ...params) as string[];
  }

  /** The seq of a message ID (links to its raw bytes, search text and tags). */
  seqOf(id: string): number | undefined {
    return this.#prepare('SELECT seq FROM messages WHERE id = ?').pluck().get(id) as number | undefined;
  }

  /** Message IDs of seqs (for events after tag changes). */
  idsOf(seqs: readonly number[]): string[] {
    const find = this.#prepare('SELECT id FROM messages WHERE seq = ?').pluck();
    return seqs.map((seq) => find.get(seq) as string | undefined).filter((id): id is string => id !== undefined);
  }

  exists(id: string): boolean {
    return this.#prepare('SELECT 1 FROM messages WHERE id = ?').get(id) !== undefined;
  }
}
