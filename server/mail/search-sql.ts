import type { SearchTerm, TextField } from './search-query.js';

export interface SqlFilter {
  /** A boolean SQL expression over `m` (messages) and `s` (message_search); "1" for no filter. */
  where: string;
  params: unknown[];
  /** Whether `where` reads message_search (`s`); a filter without it needs no join. */
  text?: boolean;
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
 * An FTS5 query that every row containing `value` in one of `columns` matches (and few others):
 * the trigrams of the lower-cased value at every third position, and the last, all required.
 * Undefined for a value under three characters, which has no trigram: its LIKE scans.
 */
export function trigramQuery(columns: string[], value: string): string | undefined {
  const chars = [...value.toLowerCase()];
  if (chars.length < 3) return undefined;
  const starts = new Set<number>();
  for (let i = 0; i + 3 <= chars.length; i += 3) starts.add(i);
  starts.add(chars.length - 3);
  const terms = [...starts].map((i) => `"${chars.slice(i, i + 3).join('').replace(/"/g, '""')}"`).join(' AND ');
  const all = columns.length === TEXT_COLUMNS.length;
  return all ? terms : `{${columns.map((column) => column.slice(2)).join(' ')}} : (${terms})`;
}

/**
 * A substring search: the trigram index finds the candidate rows, the LIKE over them decides,
 * so results are exactly those of the LIKE alone (detail=column knows whether a row holds each
 * trigram, not whether they stand together). Negated, the LIKE alone: NOT over a prefilter would
 * need the index to be exact.
 */
function substring(columns: string[], value: string, negate: boolean, params: unknown[], index: boolean): string {
  const match = negate || !index ? undefined : trigramQuery(columns, value);
  if (match === undefined) return anyLike(columns, value, params);
  params.push(match);
  // Messages above `upto` are not indexed yet (search-index.ts): they are read as candidates.
  return `(m.seq IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ? UNION ALL SELECT seq FROM message_search WHERE seq > (SELECT upto FROM message_index)) AND ${anyLike(columns, value, params)})`;
}

function termSql(term: SearchTerm, params: unknown[], index: boolean): string {
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
      if (term.field === 'text') return substring(TEXT_COLUMNS, term.value, term.negate, params, index);
      if (term.field === 'addressed') return substring(ADDRESS_COLUMNS, term.value, term.negate, params, index);
      return substring([COLUMNS[term.field]], term.value, term.negate, params, index);
  }
}

/** `index: false` leaves the trigram index out: the plain scan, which tests compare it with. */
export function toSql(terms: SearchTerm[], { index = true }: { index?: boolean } = {}): SqlFilter {
  const params: unknown[] = [];
  const clauses = terms.map((term) => {
    const sql = termSql(term, params, index);
    // NOT over a nullable comparison would drop rows; every column here is NOT NULL.
    return term.negate ? `NOT (${sql})` : sql;
  });
  const text = terms.some((term) => term.kind === 'text' && term.field !== 'session' && term.field !== 'tag');
  return { where: clauses.length ? clauses.join(' AND ') : '1', params, text };
}
