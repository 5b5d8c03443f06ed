import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order and recorded in `PRAGMA user_version`. Append only:
 * a database written by an older mailsim must open in a newer one.
 */
const MIGRATIONS: readonly string[] = [
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
  // 5: the scenario each session ran under, shown on its row and searched by the UI.
  `
  ALTER TABLE sessions ADD COLUMN scenario TEXT NOT NULL DEFAULT '';
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

/** Returns freed pages to the file system after large deletes. */
export function releaseFreePages(db: Db): void {
  db.pragma('incremental_vacuum');
}
