import { parseSize } from '../util/size.js';
import { isValidTimeZone } from '../util/time-zone.js';
import { parseSearchDate } from './search-date.js';

/**
 * The search language of Mailpit (which users already know), plus `rcpt:` for envelope
 * recipients and `session:` for the SMTP session that delivered a message. Terms are ANDed;
 * a leading `-` or `!` negates one; double quotes group words.
 */
export type AddressField = 'from' | 'to' | 'cc' | 'bcc' | 'reply-to' | 'rcpt' | 'addressed';
export type TextField = AddressField | 'subject' | 'message-id' | 'session' | 'tag' | 'text';

export type SearchTerm =
  | { kind: 'text'; field: TextField; value: string; negate: boolean }
  | { kind: 'flag'; flag: 'read' | 'unread' | 'attachment' | 'inline' | 'tagged'; negate: boolean }
  | { kind: 'time'; op: 'before' | 'after'; at: number; negate: boolean }
  | { kind: 'size'; op: 'larger' | 'smaller'; bytes: number; negate: boolean };

/**
 * Mailpit never rejects a search: a filter it cannot read is ignored (a bad date, an empty
 * `from:`) or searched as text (`is:starred`, `larger:lots`), an unbalanced quote is closed at
 * the end, an unknown time zone falls back to the default. A polling helper's first request must
 * get an answer, so the parser here is as lenient.
 */

const TEXT_FIELDS = new Set<string>(['from', 'to', 'cc', 'bcc', 'reply-to', 'rcpt', 'addressed', 'subject', 'message-id', 'session', 'tag']);
type Flag = Extract<SearchTerm, { kind: 'flag' }>['flag'];
const FLAGS: Record<string, Flag> = {
  'is:read': 'read',
  'is:unread': 'unread',
  'is:tagged': 'tagged',
  'has:attachment': 'attachment',
  'has:attachments': 'attachment',
  'has:inline': 'inline',
  'has:inlines': 'inline',
};

export interface ParseOptions {
  /** IANA zone for dates written without one (`before:2025-01-31`); UTC by default. */
  timeZone?: string;
  now?: number;
}

export function parseSearch(query: string, options: ParseOptions = {}): SearchTerm[] {
  const timeZone = options.timeZone && isValidTimeZone(options.timeZone) ? options.timeZone : 'UTC';
  const now = options.now ?? Date.now();
  return tokenize(query).flatMap((token) => toTerm(token, timeZone, now) ?? []);
}

/** Splits on whitespace outside double quotes; quotes are removed, an unclosed one ends at the end (Mailpit's ArgsParser). */
export function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (const char of query) {
    if (char === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(char)) {
      if (started) tokens.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) tokens.push(current);
  return tokens.map((token) => token.trim()).filter((token) => token !== '' && token !== '-' && token !== '!');
}

/** Undefined for a filter Mailpit ignores (an empty value, a date it cannot read). */
function toTerm(token: string, timeZone: string, now: number): SearchTerm | undefined {
  const negate = token.length > 1 && (token.startsWith('-') || token.startsWith('!'));
  const body = negate ? token.slice(1) : token;
  const lower = body.toLowerCase();
  const flag = FLAGS[lower];
  if (flag) return { kind: 'flag', flag, negate };
  const colon = body.indexOf(':');
  const prefix = colon > 0 ? lower.slice(0, colon) : '';
  const value = colon > 0 ? body.slice(colon + 1).trim() : '';
  if (TEXT_FIELDS.has(prefix)) return value === '' ? undefined : { kind: 'text', field: prefix as TextField, value, negate };
  if (prefix === 'before' || prefix === 'after') {
    if (value === '') return undefined;
    const at = parseSearchDate(value, timeZone, now);
    return at === undefined ? undefined : { kind: 'time', op: prefix, at, negate };
  }
  if (prefix === 'larger' || prefix === 'smaller') {
    const bytes = parseSize(value);
    // Mailpit: a size it cannot read (or 0) makes the whole word a free-text search.
    if (bytes) return { kind: 'size', op: prefix, bytes, negate };
  }
  return { kind: 'text', field: 'text', value: body, negate };
}
