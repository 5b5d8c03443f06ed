import type { SessionRecord } from '../ports/contracts.js';
import type { SessionOutcome, SessionSummary, SessionTransaction, TlsInfo, TranscriptEntry } from '../protocol.js';
import type { Db } from './database.js';
import type { SessionQuery, TransactionQuery } from '../ports/mailbox.js';
import { discardOrEmpty } from './table-discard.js';

export interface SessionRow {
  id: string;
  started: number;
  ended: number | null;
  client_address: string;
  client_port: number;
  server_address: string;
  server_port: number;
  helo: string;
  tls: string | null;
  username: string;
  scenario: string;
  outcome: SessionOutcome;
  outcome_code: number | null;
  outcome_detail: string;
  messages: number;
  transactions: string;
}

/** The same filter, for sessions still held in memory. */
export function matchesFilter(session: SessionSummary, filter: SessionQuery): boolean {
  const started = Date.parse(session.Started);
  return (
    (!filter.outcomes?.length || filter.outcomes.includes(session.Outcome)) &&
    (!filter.client || session.Client.Address === filter.client) &&
    (!filter.user || session.User === filter.user) &&
    (filter.since === undefined || started >= filter.since) &&
    (filter.before === undefined || started < filter.before) &&
    (!filter.listener || (session.Server.Address === filter.listener.address && session.Server.Port === filter.listener.port)) &&
    (!filter.scenario || session.Scenario === filter.scenario) &&
    textMatches(session, filter) &&
    (!filter.transaction || session.Transactions.some((t) => transactionMatches(t, filter.transaction as TransactionQuery)))
  );
}

const has = (value: string | null | undefined, needle: string) => (value ?? '').toLowerCase().includes(needle.toLowerCase());
const senderOf = (t: SessionTransaction, n: string) => t.From !== null && has(t.From, n);
const recipientOf = (t: SessionTransaction, n: string) => t.Accepted.some((a) => has(a, n)) || t.Refused.some((r) => has(r.Address, n));
const subjectOf = (t: SessionTransaction, n: string) => has(t.Subject, n);

function textMatches(session: SessionSummary, filter: SessionQuery): boolean {
  const tx = session.Transactions;
  return (
    (!filter.sender || tx.some((t) => senderOf(t, filter.sender as string))) &&
    (!filter.recipient || tx.some((t) => recipientOf(t, filter.recipient as string))) &&
    (!filter.subject || tx.some((t) => subjectOf(t, filter.subject as string))) &&
    (!filter.text || has(session.User, filter.text) || tx.some((t) => senderOf(t, filter.text as string) || recipientOf(t, filter.text as string) || subjectOf(t, filter.text as string)))
  );
}

function transactionMatches(t: SessionTransaction, query: TransactionQuery): boolean {
  return (
    (!query.outcomes?.length || query.outcomes.includes(t.Outcome)) &&
    (query.code === undefined || t.Code === query.code || t.Refused.some((r) => r.Code === query.code)) &&
    (query.index === undefined || t.Index === query.index)
  );
}

/** The same test in SQL, over the JSON array of the row's transactions. */
function transactionClause(query: TransactionQuery): { clause: string; params: unknown[] } {
  const tests: string[] = [];
  const params: unknown[] = [];
  if (query.outcomes?.length) {
    tests.push(`json_extract(t.value, '$.Outcome') IN (${query.outcomes.map(() => '?').join(', ')})`);
    params.push(...query.outcomes);
  }
  if (query.code !== undefined) {
    tests.push(`(json_extract(t.value, '$.Code') = ? OR EXISTS (SELECT 1 FROM json_each(t.value, '$.Refused') r WHERE json_extract(r.value, '$.Code') = ?))`);
    params.push(query.code, query.code);
  }
  if (query.index !== undefined) {
    tests.push(`json_extract(t.value, '$.Index') = ?`);
    params.push(query.index);
  }
  const where = tests.length ? ` WHERE ${tests.join(' AND ')}` : '';
  return { clause: `EXISTS (SELECT 1 FROM json_each(sessions.transactions) t${where})`, params };
}

const SUMMARY_COLUMNS = 'id, started, ended, client_address, client_port, server_address, server_port, helo, tls, username, scenario, outcome, outcome_code, outcome_detail, messages, transactions';

function sessionSummaryOf(row: SessionRow): SessionSummary {
  return {
    ID: row.id,
    Started: new Date(row.started).toISOString(),
    Ended: row.ended === null ? null : new Date(row.ended).toISOString(),
    DurationMs: row.ended === null ? null : row.ended - row.started,
    Client: { Address: row.client_address, Port: row.client_port },
    Server: { Address: row.server_address, Port: row.server_port },
    Helo: row.helo,
    TLS: row.tls === null ? null : (JSON.parse(row.tls) as TlsInfo),
    User: row.username,
    Scenario: row.scenario,
    Outcome: row.outcome,
    OutcomeCode: row.outcome_code,
    OutcomeDetail: row.outcome_detail,
    Messages: row.messages,
    Transactions: JSON.parse(row.transactions) as SessionTransaction[],
  };
}

export function summarize(record: SessionRecord): SessionSummary {
  // The record's own transactions, not a JSON round trip of them: with 100,000 accepted
  // recipients that held the event loop at every session.closed (issue 9, item 8).
  return { ...sessionSummaryOf(rowOf(record, '[]')), Transactions: record.transactions };
}

/** A closed session's row as the writer stores it (SessionStore.save). */
export type StoredSessionRow = SessionRow & { transcript: string };

/**
 * The row of a closed session, its transcript and transactions as JSON. Built on the event loop
 * so that what crosses to the writer is flat strings: the structured clone of the transcript's
 * entries (an object each) and the writer's JSON.stringify of them cost more than the
 * stringify alone (issue 14: per-connection cost).
 */
export function sessionRow(record: SessionRecord): StoredSessionRow {
  return { ...rowOf(record), transcript: JSON.stringify(record.transcript) };
}

/** The row without the transcript: summaries and events never need it serialised. */
function rowOf(record: SessionRecord, transactions = JSON.stringify(record.transactions)): SessionRow {
  return {
    id: record.id,
    started: record.started,
    ended: record.ended,
    client_address: record.client.address,
    client_port: record.client.port,
    server_address: record.server.address,
    server_port: record.server.port,
    helo: record.helo,
    tls: record.tls === null ? null : JSON.stringify(record.tls),
    username: record.user,
    scenario: record.scenario ?? '',
    outcome: record.outcome,
    outcome_code: record.outcomeCode,
    outcome_detail: record.outcomeDetail,
    messages: record.messages,
    transactions,
  };
}

// Substring tests on the transactions' JSON; each ? is a LIKE pattern (SQLite's LIKE ignores ASCII case, as the in-memory test does).
const SENDER_SQL = "json_extract(t.value, '$.From') LIKE ? ESCAPE '\\'";
const RECIPIENT_SQL =
  "(EXISTS (SELECT 1 FROM json_each(t.value, '$.Accepted') a WHERE a.value LIKE ? ESCAPE '\\') OR EXISTS (SELECT 1 FROM json_each(t.value, '$.Refused') r WHERE json_extract(r.value, '$.Address') LIKE ? ESCAPE '\\'))";
const SUBJECT_SQL = "json_extract(t.value, '$.Subject') LIKE ? ESCAPE '\\'";

/** One LIKE pattern per placeholder of `sql`, each matching `needle` anywhere. */
function likeParams(sql: string, needle: string): string[] {
  const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql.split('?').slice(1).map(() => pattern);
}

/** Rows still marked active belong to open sessions, which are listed from memory. */
function whereOf(filter: SessionQuery): { where: string; params: unknown[] } {
  const clauses: string[] = ["outcome != 'active'"];
  const params: unknown[] = [];
  if (filter.outcomes?.length) {
    clauses.push(`outcome IN (${filter.outcomes.map(() => '?').join(', ')})`);
    params.push(...filter.outcomes);
  }
  if (filter.client) {
    clauses.push('client_address = ?');
    params.push(filter.client);
  }
  if (filter.user) {
    clauses.push('username = ?');
    params.push(filter.user);
  }
  if (filter.since !== undefined) {
    clauses.push('started >= ?');
    params.push(filter.since);
  }
  if (filter.before !== undefined) {
    clauses.push('started < ?');
    params.push(filter.before);
  }
  if (filter.listener) {
    clauses.push('server_address = ? AND server_port = ?');
    params.push(filter.listener.address, filter.listener.port);
  }
  if (filter.scenario) {
    clauses.push('scenario = ?');
    params.push(filter.scenario);
  }
  for (const [field, sql] of [['sender', SENDER_SQL], ['recipient', RECIPIENT_SQL], ['subject', SUBJECT_SQL]] as const) {
    const needle = filter[field];
    if (!needle) continue;
    clauses.push(`EXISTS (SELECT 1 FROM json_each(sessions.transactions) t WHERE ${sql})`);
    params.push(...likeParams(sql, needle));
  }
  if (filter.text) {
    clauses.push(`(instr(lower(username), lower(?)) > 0 OR EXISTS (SELECT 1 FROM json_each(sessions.transactions) t WHERE ${SENDER_SQL} OR ${RECIPIENT_SQL} OR ${SUBJECT_SQL}))`);
    params.push(filter.text, ...likeParams(`${SENDER_SQL}${RECIPIENT_SQL}${SUBJECT_SQL}`, filter.text));
  }
  if (filter.transaction) {
    const { clause, params: more } = transactionClause(filter.transaction);
    clauses.push(clause);
    params.push(...more);
  }
  return { where: clauses.join(' AND '), params };
}

export class SessionStore {
  readonly #upsert;
  readonly #ensure;

  constructor(private readonly db: Db) {
    this.#ensure = db.prepare(
      `INSERT OR IGNORE INTO sessions (id, started, ended, client_address, client_port, server_address, server_port, helo, tls, username, scenario, outcome, outcome_code, outcome_detail, messages, transactions, transcript)
       VALUES (@id, @started, NULL, @client_address, @client_port, @server_address, @server_port, @helo, @tls, @username, @scenario, 'active', NULL, '', 0, '[]', '[]')`,
    );
    this.#upsert = db.prepare(
      `INSERT INTO sessions (id, started, ended, client_address, client_port, server_address, server_port, helo, tls, username, scenario, outcome, outcome_code, outcome_detail, messages, transactions, transcript)
       VALUES (@id, @started, @ended, @client_address, @client_port, @server_address, @server_port, @helo, @tls, @username, @scenario, @outcome, @outcome_code, @outcome_detail, @messages, @transactions, @transcript)
       ON CONFLICT(id) DO UPDATE SET ended = excluded.ended, helo = excluded.helo, tls = excluded.tls, username = excluded.username, scenario = excluded.scenario,
         outcome = excluded.outcome, outcome_code = excluded.outcome_code, outcome_detail = excluded.outcome_detail,
         messages = excluded.messages, transactions = excluded.transactions, transcript = excluded.transcript`,
    );
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM sessions').pluck().get() as number;
  }

  save(row: StoredSessionRow): void {
    this.#upsert.run(row);
  }

  /** Writes the row of an open session if it has none yet; its transcript comes at close. */
  ensure(record: SessionRecord): void {
    const { outcome: _o, outcome_code: _c, outcome_detail: _d, messages: _m, ended: _e, transactions: _t, ...row } = rowOf({ ...record, transactions: [] });
    this.#ensure.run(row);
  }

  list(start: number, limit: number, filter: SessionQuery = {}): { total: number; sessions: SessionSummary[] } {
    const { where, params } = whereOf(filter);
    const total = this.db.prepare(`SELECT count(*) FROM sessions WHERE ${where}`).pluck().get(...params) as number;
    const rows = this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM sessions WHERE ${where} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .all(...params, limit, start) as SessionRow[];
    return { total, sessions: rows.map(sessionSummaryOf) };
  }

  get(id: string): (SessionSummary & { Transcript: TranscriptEntry[] }) | undefined {
    const where = id === 'latest' ? 'seq = (SELECT max(seq) FROM sessions)' : 'id = ?';
    const row = this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS}, transcript FROM sessions WHERE ${where}`)
      .get(...(id === 'latest' ? [] : [id])) as (SessionRow & { transcript: string }) | undefined;
    return row && { ...sessionSummaryOf(row), Transcript: JSON.parse(row.transcript) as TranscriptEntry[] };
  }

  /** Set aside, not deleted row by row (table-discard.ts): transcripts make this table as large as the messages. */
  deleteAll(): void {
    discardOrEmpty(this.db, ['sessions']);
  }

  /** Keeps the newest `keep` sessions; open sessions are never pruned. */
  pruneToCount(keep: number): number {
    return this.db
      .prepare('DELETE FROM sessions WHERE ended IS NOT NULL AND seq <= (SELECT seq FROM sessions ORDER BY seq DESC LIMIT 1 OFFSET ?)')
      .run(keep).changes;
  }

  pruneOlderThan(cutoff: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE ended IS NOT NULL AND ended < ?').run(cutoff).changes;
  }

  /**
   * Sessions still marked active when the store opens were cut off by a crash or kill: they
   * will never close, so say so instead of showing them as live forever.
   */
  markInterrupted(at: number): number {
    return this.db
      .prepare(
        `UPDATE sessions SET outcome = 'interrupted', ended = ?, outcome_detail = 'mailsim stopped while the session was open' WHERE outcome = 'active'`,
      )
      .run(at).changes;
  }
}
