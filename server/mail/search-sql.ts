import type { SearchTerm, TextField } from './search-query.js';

export interface SqlFilter {
  /** A boolean SQL expression over `m` (messages) and `s` (message_search); "1" for no filter. */
  where: string;
  params: unknown[];
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

function termSql(term: SearchTerm, params: unknown[]): string {
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
      if (term.field === 'text') return anyLike(TEXT_COLUMNS, term.value, params);
      if (term.field === 'addressed') return anyLike(ADDRESS_COLUMNS, term.value, params);
      return anyLike([COLUMNS[term.field]], term.value, params);
  }
}

export function toSql(terms: SearchTerm[]): SqlFilter {
  const params: unknown[] = [];
  const clauses = terms.map((term) => {
    const sql = termSql(term, params);
    // NOT over a nullable comparison would drop rows; every column here is NOT NULL.
    return term.negate ? `NOT (${sql})` : sql;
  });
  return { where: clauses.length ? clauses.join(' AND ') : '1', params };
}
