import type { SessionSummary, SessionTransaction } from '../../../server/protocol.js';

/**
 * The session search language: `from:` `to:` `subject:` `user:` `listener:` `scenario:`
 * `outcome:` `after:` `before:`, quoted values ("Your order"), and bare words, which match the
 * sender, a recipient, a subject or the user. It becomes the query parameters of
 * GET /api/v1/sessions; the same test runs here on sessions the live feed brings.
 */
export interface SessionSearch {
  text: string[];
  sender?: string;
  recipient?: string;
  subject?: string;
  user?: string;
  listener?: string;
  scenario?: string;
  outcomes: string[];
  since?: number;
  before?: number;
}

export const SESSION_SEARCH_HELP: ReadonlyArray<[string, string]> = [
  ['from:shop@', 'MAIL FROM contains'],
  ['to:ann', 'a recipient (accepted or refused) contains'],
  ['subject:"your order"', 'a stored subject contains'],
  ['user:app', 'the AUTH user is exactly'],
  ['listener:127.0.0.1:1025', 'the address the client connected to'],
  ['scenario:gmail', 'the scenario the session ran under'],
  ['outcome:rejected', 'how the session ended'],
  ['after:2026-01-31 before:2026-02-01', 'started in this window (a date or a time)'],
  ['invoice', 'any word: sender, recipient, subject or user'],
];

type Field = 'sender' | 'recipient' | 'subject' | 'user' | 'listener' | 'scenario' | 'outcomes' | 'since' | 'before';
const FIELDS: Record<string, Field> = {
  from: 'sender',
  sender: 'sender',
  to: 'recipient',
  rcpt: 'recipient',
  subject: 'subject',
  user: 'user',
  listener: 'listener',
  scenario: 'scenario',
  outcome: 'outcomes',
  after: 'since',
  since: 'since',
  before: 'before',
};

/** A term's value as a time: a date is local midnight, a time without a zone is local. */
function timeOf(value: string): number | string {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`).getTime() : Date.parse(value);
  return Number.isNaN(at) ? `"${value}" is not a date (2026-01-31) or a time (2026-01-31T10:00)` : at;
}

/** The search, or what is wrong with it. */
export function parseSessionQuery(query: string): SessionSearch | { error: string } {
  const search: SessionSearch = { text: [], outcomes: [] };
  for (const match of query.matchAll(/(?:(\w+):)?(?:"([^"]*)"?|(\S+))/g)) {
    const [, field, quoted, bare] = match;
    const value = (quoted ?? bare ?? '').trim();
    const key = field ? FIELDS[field.toLowerCase()] : undefined;
    if (field && !key) {
      search.text.push(`${field}:${value}`);
      continue;
    }
    if (!value) continue;
    if (!key) search.text.push(value);
    else if (key === 'outcomes') search.outcomes.push(...value.split(',').filter(Boolean));
    else if (key === 'since' || key === 'before') {
      const at = timeOf(value);
      if (typeof at === 'string') return { error: `${field}: ${at}` };
      search[key] = at;
    } else search[key] = value;
  }
  return search;
}

/** Query parameters for GET /api/v1/sessions. */
export function searchParams(search: SessionSearch): Record<string, string> {
  const params: Record<string, string> = {};
  for (const key of ['sender', 'recipient', 'subject', 'user', 'listener', 'scenario'] as const) if (search[key]) params[key] = search[key];
  if (search.text.length) params.text = search.text.join(' ');
  if (search.since !== undefined) params.since = String(search.since);
  if (search.before !== undefined) params.before = String(search.before);
  return params;
}

const has = (value: string | null | undefined, needle: string) => (value ?? '').toLowerCase().includes(needle.toLowerCase());
const fromHas = (t: SessionTransaction, n: string) => t.From !== null && has(t.From, n);
const toHas = (t: SessionTransaction, n: string) => t.Accepted.some((a) => has(a, n)) || t.Refused.some((r) => has(r.Address, n));
const subjectHas = (t: SessionTransaction, n: string) => has(t.Subject, n);

export function listenerKey(endpoint: { Address: string; Port: number }): string {
  return endpoint.Address.includes(':') ? `[${endpoint.Address}]:${endpoint.Port}` : `${endpoint.Address}:${endpoint.Port}`;
}

/** The server's test (server/mail/session-store.ts matchesFilter), for sessions the live feed brings. */
export function matchesSearch(session: SessionSummary, search: SessionSearch): boolean {
  const tx = session.Transactions ?? [];
  const started = Date.parse(session.Started);
  const text = search.text.join(' ');
  return (
    (!search.sender || tx.some((t) => fromHas(t, search.sender!))) &&
    (!search.recipient || tx.some((t) => toHas(t, search.recipient!))) &&
    (!search.subject || tx.some((t) => subjectHas(t, search.subject!))) &&
    (!search.user || session.User === search.user) &&
    (!search.listener || listenerKey(session.Server) === search.listener) &&
    (!search.scenario || session.Scenario === search.scenario) &&
    (search.since === undefined || started >= search.since) &&
    (search.before === undefined || started < search.before) &&
    (!text || has(session.User, text) || tx.some((t) => fromHas(t, text) || toHas(t, text) || subjectHas(t, text)))
  );
}
