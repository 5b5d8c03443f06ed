/**
 * Filters of the test helper (`mailsim/testing`): a query in the search language, or an object
 * turned into one. Every field narrows the match (terms are ANDed); a list gives several terms.
 */
type Values = string | readonly string[];

export interface MessageFilterFields {
  to?: Values;
  from?: Values;
  cc?: Values;
  bcc?: Values;
  replyTo?: Values;
  /** Envelope recipients (RCPT TO), Bcc included. */
  rcpt?: Values;
  /** Any address field. */
  addressed?: Values;
  subject?: Values;
  messageId?: Values;
  /** Whole tag names, case-insensitive. */
  tag?: Values;
  /** The SMTP session that delivered the message. */
  session?: string;
  /** Words anywhere: addresses, subject, body. */
  text?: Values;
  read?: boolean;
  attachment?: boolean;
  tagged?: boolean;
  before?: Date | string;
  after?: Date | string;
  /** Anything else, in the search language, ANDed with the fields. */
  query?: string;
}

export type MessageFilter = string | MessageFilterFields;

const PREFIXES = {
  to: 'to',
  from: 'from',
  cc: 'cc',
  bcc: 'bcc',
  replyTo: 'reply-to',
  rcpt: 'rcpt',
  addressed: 'addressed',
  subject: 'subject',
  messageId: 'message-id',
  tag: 'tag',
  session: 'session',
  text: '',
} as const satisfies Partial<Record<keyof MessageFilterFields, string>>;

const FLAGS = { read: 'is:read', attachment: 'has:attachment', tagged: 'is:tagged' } as const;

function quote(value: string, field: string): string {
  if (value.includes('"')) throw new TypeError(`mailsim filter ${field}: the search language cannot express a double quote inside a value (${JSON.stringify(value)})`);
  return `"${value}"`;
}

/** `{ to: 'a@b', subject: 'Reset your password' }` → `to:"a@b" subject:"Reset your password"`. */
export function toQuery(filter: MessageFilter | undefined): string {
  if (filter === undefined) return '';
  if (typeof filter === 'string') return filter.trim();
  const terms: string[] = [];
  for (const [field, prefix] of Object.entries(PREFIXES) as Array<[keyof typeof PREFIXES, string]>) {
    const value = filter[field];
    if (value === undefined) continue;
    for (const item of [value].flat()) terms.push(`${prefix ? `${prefix}:` : ''}${quote(item, field)}`);
  }
  for (const [field, term] of Object.entries(FLAGS) as Array<[keyof typeof FLAGS, string]>) {
    const value = filter[field];
    if (value === true) terms.push(term);
    else if (value === false) terms.push(field === 'read' ? 'is:unread' : `-${term}`);
  }
  for (const field of ['before', 'after'] as const) {
    const value = filter[field];
    if (value !== undefined) terms.push(`${field}:${value instanceof Date ? value.toISOString() : value}`);
  }
  if (filter.query?.trim()) terms.push(filter.query.trim());
  return terms.join(' ');
}
