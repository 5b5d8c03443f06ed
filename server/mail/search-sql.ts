import type { SearchTerm, TextField } from './search-query.js';

export interface SqlFilter {
  /** A boolean SQL expression over `m` (messages) and `s` (message_search); "1" for no filter. */
  where: string;
  params: unknown[];
  /** Whether `where` reads message_search (`s`); a filter without it needs no join. */
  text?: boolean;
  /** Whether `where` reads no column of messages but seq and read: a count reads it from the narrow messages_by_seq. */
  narrow?: boolean;
}

const COLUMNS: Record<Exclude<TextField, 'text' | 'addressed' | 'session' | 'tag'>, string> = {
  from: 's.from_lc',
  to: 's.to_lc',
  cc: 's.cc_lc',
  bcc: 's.bcc_lc',
  'reply-to': 's.reply_to_lc',
  rcpt: 's.rcpt_lc',
  subject: 's.subject_lc',
  'message-id': 's.message_id_lc',
};
const ADDRESS_COLUMNS = ['s.from_lc', 's.to_lc', 's.cc_lc', 's.bcc_lc', 's.reply_to_lc', 's.rcpt_lc'];
const TEXT_COLUMNS = [...ADDRESS_COLUMNS, 's.subject_lc', 's.message_id_lc', 's.body_lc'];

/** Stored search columns are lower-cased in JS (Unicode-aware), so LIKE compares exactly. */
export function likePattern(value: string): string {
  return `%${value.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

function anyLike(columns: string[], value: string, params: unknown[]): string {
  const pattern = likePattern(value);
  params.push(...columns.map(() => pattern));
  return `(${columns.map((column) => `${column} LIKE ? ESCAPE '\\'`).join(' OR ')})`;
}

/**
 * The FTS5 query that matches exactly the rows holding `value` in one of `columns`: the value
 * as one phrase, which the trigram tokenizer splits into its trigrams at consecutive positions
 * (detail=full keeps the positions, database.ts), so a row matches if and only if the value
 * stands in one column as a substring. Undefined where the index cannot answer: a value under
 * three characters has no trigram, and FTS5 reads a query string only up to a NUL.
 */
export function trigramQuery(columns: string[], value: string): string | undefined {
  const lower = value.toLowerCase();
  if ([...lower].length < 3 || lower.includes('\0')) return undefined;
  const phrase = `"${lower.replace(/"/g, '""')}"`;
  const all = columns.length === TEXT_COLUMNS.length;
  return all ? phrase : `{${columns.map((column) => column.slice(2)).join(' ')}} : ${phrase}`;
}

/**
 * A substring search. Where the trigram index answers (trigramQuery) it decides alone for every
 * message it holds, seq <= `upto`, and the LIKE reads only the messages above it, which the idle
 * writer has not indexed yet (search-index.ts). The index may also hold a stale row of a deleted
 * message under a seq handed out again, which is always above `upto` until purged: the bound on
 * rowid keeps it out. Neither reads the outer row of message_search (no join: a body can be
 * large, and address searches read none), and as the match is exact it negates too.
 * A value the index cannot answer is the LIKE over every row.
 */
function substring(columns: string[], value: string, params: unknown[], index: boolean): Clause {
  const match = index ? trigramQuery(columns, value) : undefined;
  if (match === undefined) return { sql: anyLike(columns, value, params), text: true, narrow: false };
  params.push(match);
  const tail = anyLike(columns, value, params);
  return {
    sql: `m.seq IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ? AND rowid <= (SELECT upto FROM message_index) UNION ALL SELECT s.seq FROM message_search s WHERE s.seq > (SELECT upto FROM message_index) AND ${tail})`,
    text: false,
    narrow: true,
  };
}

interface Clause {
  sql: string;
  /** Reads message_search's outer row (`s`). */
  text: boolean;
  /** Reads only m.seq and m.read of messages. */
  narrow: boolean;
}

function termSql(term: SearchTerm, params: unknown[], index: boolean): Clause {
  if (term.kind === 'text' && term.field !== 'session' && term.field !== 'tag') {
    const columns = term.field === 'text' ? TEXT_COLUMNS : term.field === 'addressed' ? ADDRESS_COLUMNS : [COLUMNS[term.field]];
    return substring(columns, term.value, params, index);
  }
  const narrow = (term.kind === 'flag' && ['read', 'unread', 'tagged'].includes(term.flag)) || (term.kind === 'text' && term.field === 'tag');
  return { sql: otherSql(term, params), text: false, narrow };
}

function otherSql(term: SearchTerm, params: unknown[]): string {
  switch (term.kind) {
    case 'flag':
      return {
        read: 'm.read = 1',
        unread: 'm.read = 0',
        attachment: 'm.attachments > 0',
        inline: 'm.inline > 0',
        tagged: 'EXISTS (SELECT 1 FROM message_tags mt WHERE mt.seq = m.seq)',
      }[term.flag];
    case 'time':
      params.push(term.at);
      return term.op === 'before' ? 'm.created <= ?' : 'm.created >= ?';
    case 'size':
      params.push(term.bytes);
      return term.op === 'larger' ? 'm.size > ?' : 'm.size < ?';
    case 'text':
      if (term.field === 'session') {
        params.push(term.value);
        return 'm.session_id = ?';
      }
      if (term.field === 'tag') {
        // Whole tag names, without regard to case (the column is COLLATE NOCASE), as Mailpit.
        params.push(term.value.trim());
        return 'm.seq IN (SELECT mt.seq FROM message_tags mt JOIN tags t ON t.id = mt.tag_id WHERE t.name = ?)';
      }
      throw new Error(`substring term ${term.field} reached otherSql`);
  }
}

/** `index: false` leaves the trigram index out: the plain scan, which tests compare it with. */
export function toSql(terms: SearchTerm[], { index = true }: { index?: boolean } = {}): SqlFilter {
  const params: unknown[] = [];
  let text = false;
  let narrow = true;
  const clauses = terms.map((term) => {
    const clause = termSql(term, params, index);
    text ||= clause.text;
    narrow &&= clause.narrow;
    // NOT over a nullable comparison would drop rows; every column here is NOT NULL.
    return term.negate ? `NOT (${clause.sql})` : clause.sql;
  });
  return { where: clauses.length ? clauses.join(' AND ') : '1', params, text, narrow: narrow && !text };
}
