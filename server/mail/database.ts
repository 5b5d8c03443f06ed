import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order and recorded in `PRAGMA user_version`. Append only:
 * a database written by an older mailsim must open in a newer one.
 */
export const MIGRATIONS: readonly string[] = [
  // Write cost per message is what limits ingest, so tables carry no index the write path does
  // not need: rows are ordered by seq (INTEGER PRIMARY KEY, no AUTOINCREMENT bookkeeping), and
  // lookups by session or age scan, which on 10,000 rows takes about a millisecond.
  // Raw bytes and search text live apart from the summary rows so that listing and counting
  // never page through message bodies; the store deletes all three rows of a message together.
  `
  CREATE TABLE messages (
    seq           INTEGER PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,
    session_id    TEXT,
    created       INTEGER NOT NULL,
    envelope_from TEXT    NOT NULL,
    envelope_to   TEXT    NOT NULL,
    message_id    TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    addresses     TEXT    NOT NULL,
    date          INTEGER,
    size          INTEGER NOT NULL,
    snippet       TEXT    NOT NULL,
    attachments   INTEGER NOT NULL,
    inline        INTEGER NOT NULL,
    username      TEXT    NOT NULL,
    read          INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE message_raw (
    seq INTEGER PRIMARY KEY,
    raw BLOB NOT NULL
  );
  CREATE TABLE message_search (
    seq           INTEGER PRIMARY KEY,
    from_lc       TEXT NOT NULL,
    to_lc         TEXT NOT NULL,
    cc_lc         TEXT NOT NULL,
    bcc_lc        TEXT NOT NULL,
    reply_to_lc   TEXT NOT NULL,
    rcpt_lc       TEXT NOT NULL,
    subject_lc    TEXT NOT NULL,
    message_id_lc TEXT NOT NULL,
    body_lc       TEXT NOT NULL
  );
  CREATE TABLE sessions (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    started        INTEGER NOT NULL,
    ended          INTEGER,
    client_address TEXT    NOT NULL,
    client_port    INTEGER NOT NULL,
    server_address TEXT    NOT NULL,
    server_port    INTEGER NOT NULL,
    helo           TEXT    NOT NULL,
    tls            TEXT,
    username       TEXT    NOT NULL,
    outcome        TEXT    NOT NULL,
    outcome_code   INTEGER,
    outcome_detail TEXT    NOT NULL,
    messages       INTEGER NOT NULL,
    transcript     TEXT    NOT NULL
  );
  `,
  // 2: message tags, Mailpit's model: one row per tag, its name unique without regard
  // to case, and links keyed by message seq. Messages without tags cost nothing here.
  `
  CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE
  );
  CREATE TABLE message_tags (
    seq    INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    PRIMARY KEY (seq, tag_id)
  ) WITHOUT ROWID;
  CREATE INDEX message_tags_by_tag ON message_tags (tag_id, seq);
  `,
  // 3: what could not be parsed of a message (a JSON array of reasons; '' when it parsed in full).
  `
  ALTER TABLE messages ADD COLUMN parse_problems TEXT NOT NULL DEFAULT '';
  `,
  // 4: each session's mail transactions (a JSON array of SessionTransaction); filters on them
  // go through json_each, which on 10,000 sessions costs what the scan of the table does.
  `
  ALTER TABLE sessions ADD COLUMN transactions TEXT NOT NULL DEFAULT '[]';
  `,
  // 5: POP3 maildrops (maildrop-store.ts). A message is in the maildrop of each of its envelope
  // recipients until a POP3 client deletes it there; only those deletions are rows, so ingest
  // writes nothing more. Keyed by message ID (never reused, unlike seq); rows of messages that
  // are gone are swept at the next POP3 deletion.
  `
  CREATE TABLE maildrop_removed (
    message_id TEXT NOT NULL,
    mailbox    TEXT NOT NULL,
    PRIMARY KEY (message_id, mailbox)
  ) WITHOUT ROWID;
  `,
  // 6: bounces mailsim sent (bounce action, simulate endpoint): the bounce message's ID, the
  // original it reports on and its parsed status fields (JSON BounceDetails). Keyed by ID, not
  // seq, so deletes need no change: a link whose message is gone is never read (bounce-links.ts
  // joins on messages), and delete-all empties the table.
  `
  CREATE TABLE bounce_links (
    bounce_id   TEXT PRIMARY KEY,
    original_id TEXT NOT NULL,
    details     TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX bounce_links_by_original ON bounce_links (original_id);
  `,
  // 7: issue 14, a store whose reads do not grow with its size. (a) The totals every list shows,
  // kept by the write path (message-store.ts) instead of recounted per request: 34 ms at
  // 100,000 messages. (b) Each tag's message count, kept by triggers (tag links change in many
  // places, and a trigger cannot forget one). (c) A trigram index over the search columns, so
  // that a substring search (Mailpit's words are substrings) reads only the rows holding each
  // of its trigrams instead of scanning every body. Contentless (the text is in message_search
  // already) with contentless_delete, so a delete names only the rowid; detail=column keeps
  // which column a trigram is in (for subject:, from:) but not where, which is why the LIKE
  // that decides stays in the query (search-sql.ts). case_sensitive 1: the columns are
  // lower-cased in JS, Unicode-aware, and folding them again would only cost. The index is
  // written after the commits that store and delete (search-index.ts: `upto`, the stale rows),
  // and fills an existing database the same way, in the background, instead of here.
  `
  CREATE TABLE message_counts (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    total  INTEGER NOT NULL,
    unread INTEGER NOT NULL
  );
  INSERT INTO message_counts SELECT 1, count(*), coalesce(sum(read = 0), 0) FROM messages;
  ALTER TABLE tags ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
  UPDATE tags SET messages = (SELECT count(*) FROM message_tags mt WHERE mt.tag_id = tags.id);
  CREATE TRIGGER message_tags_added AFTER INSERT ON message_tags BEGIN
    UPDATE tags SET messages = messages + 1 WHERE id = NEW.tag_id;
  END;
  CREATE TRIGGER message_tags_removed AFTER DELETE ON message_tags BEGIN
    UPDATE tags SET messages = messages - 1 WHERE id = OLD.tag_id;
  END;
  CREATE VIRTUAL TABLE message_fts USING fts5(
    from_lc, to_lc, cc_lc, bcc_lc, reply_to_lc, rcpt_lc, subject_lc, message_id_lc, body_lc,
    content = '', contentless_delete = 1, detail = column, tokenize = 'trigram case_sensitive 1'
  );
  CREATE TABLE message_index (id INTEGER PRIMARY KEY CHECK (id = 1), upto INTEGER NOT NULL);
  INSERT INTO message_index VALUES (1, 0);
  CREATE TABLE message_fts_stale (seq INTEGER PRIMARY KEY);
  `,
  // 8: the scenario each session ran under, shown on its row and searched by the UI.
  `
  ALTER TABLE sessions ADD COLUMN scenario TEXT NOT NULL DEFAULT '';
  `,
  // 9: issue 14, deep pages. Mailpit's `start` is an offset, and OFFSET walks rows: a page at
  // 50,000 of 100,000 read 50,000 summary rows (~500 bytes each) to skip them. This index holds
  // seq alone (~10 bytes an entry), so the skip walks it instead and only the page's rows are
  // read (message-store.ts, list): 163 -> 29 ms for that page on a synthetic 100,000-row table on
  // this loaded machine. Appending to it is one more b-tree insert per message, at its end.
  `
  CREATE INDEX messages_by_seq ON messages (seq);
  `,
  // 10: issue 14, searches that read no text. detail=column (migration 7) knew whether a row held
  // each trigram but not where, so a LIKE over message_search decided every candidate, and the
  // count read every matching row: at 100,000 messages from:grace (5,000 matches) 43 ms, a body
  // word 68 ms. detail=full keeps each trigram's positions, so a value searched as a phrase
  // matches exactly the rows holding it as a substring, and a search reads only the index and,
  // for the count, the narrow index below (search-sql.ts). The cost, measured on the bench's
  // 100,000 messages: the index 165 -> 369 MB (the search text is 117 MB) and indexing 0.24 ->
  // 0.37 ms of CPU a message, on the idle writer, after the commit. The new index fills as the
  // old one did, in the background (search-index.ts; searches scan until it has). Dropping the
  // old one frees its pages once, at the upgrade: the migration took 1.3 s at 100,000 messages
  // on this loaded machine (0.6 s with the old index set aside instead, which left tables for
  // the idle writer to free in every new database).
  // messages_by_seq gains `read`: a search's unread count reads it there, not in each row.
  `
  DROP TABLE message_fts;
  CREATE VIRTUAL TABLE message_fts USING fts5(
    from_lc, to_lc, cc_lc, bcc_lc, reply_to_lc, rcpt_lc, subject_lc, message_id_lc, body_lc,
    content = '', contentless_delete = 1, detail = full, tokenize = 'trigram case_sensitive 1'
  );
  DELETE FROM message_fts_stale;
  UPDATE message_index SET upto = 0;
  DROP INDEX messages_by_seq;
  CREATE INDEX messages_by_seq ON messages (seq, read);
  `,
];

export interface OpenOptions {
  /** A file path, or ":memory:". */
  path: string;
}

export function openDatabase({ path }: OpenOptions): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // auto_vacuum only takes effect before the first table exists; it lets deletes give pages
  // back to the file system (incremental_vacuum) so pruning really frees disk.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // In WAL mode NORMAL writes the commit to the log before returning: the transaction survives
  // a crash or kill -9 of this process (the OS holds the write), which is the durability
  // promise behind our 250 reply. Only a power cut can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this mailsim understands (${MIGRATIONS.length}); upgrade mailsim or use another --db`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/** Bytes the database occupies on disk, WAL included (what Mailpit reports as DatabaseSize). */
export function databaseSize(db: Db): number {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  return pages * pageSize;
}

/** Below this many free pages (4 MiB) the space is left for the next messages to reuse. */
const VACUUM_FROM_PAGES = 1024;
/** Pages returned per step: a step is one short transaction on the writer thread. */
const VACUUM_STEP_PAGES = 256;

/**
 * Returns some freed pages to the file system; true while more are to be returned. Deleting
 * all of 100,000 messages and vacuuming in the same call took seconds and wrote the moved pages
 * to the WAL (926 MB left in issue 14); the writer now does it in steps while idle, and the
 * WAL's size is capped after each checkpoint (journal_size_limit, writer-thread.ts).
 */
export function releaseFreePages(db: Db): boolean {
  const free = db.pragma('freelist_count', { simple: true }) as number;
  if (free < VACUUM_FROM_PAGES) return false;
  db.pragma(`incremental_vacuum(${VACUUM_STEP_PAGES})`);
  return free - VACUUM_STEP_PAGES >= VACUUM_FROM_PAGES;
}

/**
 * Copies the WAL into the database and truncates it: after a delete-all the WAL held everything
 * the delete touched until the next restart, which the periodic PASSIVE checkpoint never
 * shrinks. TRUNCATE waits (busy_timeout) for readers of older snapshots; if one holds on, the
 * WAL is truncated by the next delete-all or at close.
 */
export function emptyWal(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * emptyWal without waiting: for the idle writer once it has freed what a delete-all set aside
 * (table-discard.ts), whose page maps went through the WAL. False when a reader on an older
 * snapshot or the checkpoint thread at work kept it from finishing (SQLite reports busy).
 */
export function emptyWalIfIdle(db: Db): boolean {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    return result?.busy === 0;
  } catch {
    // busy or a full disk: the periodic checkpoints go on
    return false;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}
