/** Quotes a value for the search language when it has spaces or quotes. */
export function quoteValue(value: string): string {
  const clean = value.replace(/"/g, '');
  return /[\s()]/.test(clean) || clean === '' ? `"${clean}"` : clean;
}

/** `from:ann@example.com`, `subject:"password reset"`. */
export function term(filter: string, value: string): string {
  return `${filter}:${quoteValue(value)}`;
}

/** Adds a term to a query unless it is already there. */
export function addTerm(query: string, filter: string, value: string): string {
  const piece = term(filter, value);
  const current = query.trim();
  if (current.split(/\s+/).includes(piece)) return current;
  return current ? `${current} ${piece}` : piece;
}

/** `/api/v1/messages?start&limit` or `/api/v1/search?query&start&limit&tz`. */
export function listUrl(query: string, start: number, limit: number, timeZone?: string): string {
  const q = query.trim();
  if (!q) return `/api/v1/messages?start=${start}&limit=${limit}`;
  const params = new URLSearchParams({ query: q, start: String(start), limit: String(limit) });
  if (timeZone) params.set('tz', timeZone);
  return `/api/v1/search?${params.toString()}`;
}

/** Filters shown as quick chips under the search box. */
export const QUICK_FILTERS: ReadonlyArray<{ label: string; query: string }> = [
  { label: 'Unread', query: 'is:unread' },
  { label: 'With attachments', query: 'has:attachment' },
  { label: 'Last hour', query: 'after:1h' },
  { label: 'Larger than 1 MB', query: 'larger:1MB' },
];

/** The search language (Mailpit's), shown next to the inbox's box. */
export const INBOX_SEARCH_HELP: ReadonlyArray<[string, string]> = [
  ['from:ann@example.com', 'From contains (also to: cc: bcc: reply-to:)'],
  ['rcpt:ann', 'an envelope recipient contains'],
  ['subject:"password reset"', 'the subject contains (quotes keep spaces)'],
  ['tag:signup', 'has this tag (is:tagged: any tag)'],
  ['is:unread', 'unread (is:read: read)'],
  ['has:attachment', 'with an attachment (has:inline: an inline part)'],
  ['after:1h', 'received in the last hour (before:, a date 2026-01-31, or 30m, 2d)'],
  ['larger:1MB', 'bigger than 1 MB (smaller:)'],
  ['message-id:abc@x', 'the Message-ID header contains'],
  ['-from:noreply', 'a leading minus excludes'],
  ['invoice', 'any word: headers and body'],
];
