import { parseDuration } from '../util/duration.js';
import { parseSize } from '../util/size.js';
import { isValidTimeZone, zonedTimeToUtc } from '../util/time-zone.js';

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

export class SearchSyntaxError extends Error {
  /** A bad query is the client's mistake: the HTTP layer answers 400 with this message. */
  readonly status = 400;
}

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
  const timeZone = options.timeZone || 'UTC';
  if (!isValidTimeZone(timeZone)) throw new SearchSyntaxError(`unknown time zone "${timeZone}"`);
  const now = options.now ?? Date.now();
  return tokenize(query).map((token) => toTerm(token, timeZone, now));
}

/** Splits on whitespace outside double quotes; quotes are removed. */
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
  if (quoted) throw new SearchSyntaxError('unbalanced double quote');
  if (started) tokens.push(current);
  return tokens.filter((token) => token !== '' && token !== '-' && token !== '!');
}

function toTerm(token: string, timeZone: string, now: number): SearchTerm {
  const negate = token.length > 1 && (token.startsWith('-') || token.startsWith('!'));
  const body = negate ? token.slice(1) : token;
  const lower = body.toLowerCase();
  const flag = FLAGS[lower];
  if (flag) return { kind: 'flag', flag, negate };
  const colon = body.indexOf(':');
  const prefix = colon > 0 ? lower.slice(0, colon) : '';
  const value = colon > 0 ? body.slice(colon + 1) : '';
  if (TEXT_FIELDS.has(prefix)) {
    if (value === '') throw new SearchSyntaxError(`"${prefix}:" needs a value`);
    return { kind: 'text', field: prefix as TextField, value, negate };
  }
  if (prefix === 'before' || prefix === 'after') {
    return { kind: 'time', op: prefix, at: parseWhen(value, timeZone, now, prefix), negate };
  }
  if (prefix === 'larger' || prefix === 'smaller') {
    const bytes = parseSize(value);
    if (bytes === undefined) throw new SearchSyntaxError(`${prefix}: expects a size such as 10k or 2MB, got "${value}"`);
    return { kind: 'size', op: prefix, bytes, negate };
  }
  if (prefix === 'is' || prefix === 'has') {
    throw new SearchSyntaxError(`unknown filter "${body}" (known: ${Object.keys(FLAGS).join(', ')})`);
  }
  return { kind: 'text', field: 'text', value: body, negate };
}

/** Accepts 2025-01-31, 2025-01-31 14:00, full ISO 8601 with a zone, or an age such as 2h or 3d. */
function parseWhen(value: string, timeZone: string, now: number, prefix: string): number {
  const age = parseDuration(value);
  if (age !== undefined && /[a-z]$/i.test(value)) return now - age;
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value);
  if (local) {
    const [year, month, day, hour, minute, second] = local.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
    return zonedTimeToUtc(timeZone, { year: year!, month: month!, day: day!, hour, minute, second });
  }
  const instant = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value) && !Number.isNaN(instant)) return instant;
  throw new SearchSyntaxError(`${prefix}: expects a date (2025-01-31, 2025-01-31T14:00:00Z) or an age (3h, 2d), got "${value}"`);
}
