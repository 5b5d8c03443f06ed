import { badRequest } from '../errors/catalogue.js';

/** What a list or search request asks for, read as Mailpit's getStartLimit reads it. */
export interface Paging {
  start: number;
  /** 0 lists every match (Mailpit: `limit=0` is no limit). */
  limit: number;
  /** Only messages received before this date (Mailpit's `?before=`), as written; the store parses it. */
  before?: string;
}

const DEFAULT_LIMIT = 50;

/** Go's strconv.Atoi: an optional sign and decimal digits, nothing else. */
function atoi(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^[+-]?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Mailpit never rejects paging: a `start` that is not a positive integer is 0, a `limit` that is
 * not a non-negative integer is 50, and `limit=0` or a large limit lists everything there is (the
 * mailbox is bounded by --max-messages). A client polling with `limit=abc` gets answers, not 400s.
 */
export function paging(query: Record<string, unknown>): Paging {
  const start = atoi(query.start);
  const limit = atoi(query.limit);
  const before = typeof query.before === 'string' && query.before.trim() ? query.before.trim() : undefined;
  return { start: start !== undefined && start > 0 ? start : 0, limit: limit !== undefined && limit >= 0 ? limit : DEFAULT_LIMIT, before };
}

/** `query` (required, as in Mailpit: "no search query" is its one 400 here) and `tz`. */
export function searchParams(query: Record<string, unknown>): { query: string; timeZone?: string } {
  const text = typeof query.query === 'string' ? query.query.trim() : '';
  if (!text) throw badRequest('invalid query query: a search query is required');
  return { query: text, timeZone: typeof query.tz === 'string' && query.tz ? query.tz : undefined };
}
