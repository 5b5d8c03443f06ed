/**
 * What the API (and anything else outside the store) may ask of the mail store. server/mail's
 * Mailbox implements it on SQLite; a second backend (PostgreSQL for a shared team server)
 * would implement the same interface. Types only.
 */
import type { Message, MessageSummary, RuntimeStats, Session, SessionOutcome, SessionSummary, TransactionOutcome } from '../protocol.js';

export interface SearchParams {
  /** The search language (README, "Search language"); absent lists everything. */
  query?: string;
  timeZone?: string;
  start: number;
  /** 0 lists every match. */
  limit: number;
  /** Only messages received before this date (Mailpit's `?before=`); ignored when unreadable, as in Mailpit. */
  before?: string;
}

/** Which messages a bulk change acts on. */
export type MessageSelection = { ids: string[] } | { query: string; timeZone?: string } | 'all';

/** Which sessions a list returns. */
export interface SessionQuery {
  outcomes?: SessionOutcome[];
  client?: string;
  user?: string;
  /** Only sessions that started at or after this time (ms since the epoch). */
  since?: number;
  /** Only sessions that started before this time (ms since the epoch). */
  before?: number;
  /** Case-insensitive substrings of a transaction's MAIL FROM, of a recipient (accepted or refused), of a stored subject. */
  sender?: string;
  recipient?: string;
  subject?: string;
  /** A substring of any of the three above, or of the user. */
  text?: string;
  /** The listener the client connected to. */
  listener?: { address: string; port: number };
  scenario?: string;
  /** Only sessions with a transaction that meets every one of these ("the third message got 421"). */
  transaction?: TransactionQuery;
}

export interface TransactionQuery {
  outcomes?: TransactionOutcome[];
  /** The reply code that decided the transaction, or that refused one of its recipients. */
  code?: number;
  /** The transaction's place in its session, 1 for the first. */
  index?: number;
}

/** A message's summary and raw bytes, as kept. */
export interface StoredMessage {
  summary: MessageSummary;
  /** The Date header in ms, null when missing or unreadable. */
  date: number | null;
  raw: Buffer;
  /** What could not be parsed at ingest and why. */
  problems: string[];
}

export interface OpenedPart {
  content: Buffer;
  contentType: string;
  filename: string;
}

/** The message exists but could not be parsed in time: the caller answers 503 with the reason. */
export interface Unavailable {
  unavailable: string;
}

export type Rendered = { type: 'html' | 'text'; body: string | Buffer };

export type TagRenameResult = 'ok' | 'not-found' | 'exists';

/** Whether the store takes new mail, and if not why: for /readyz and /metrics. */
export interface StoreState {
  state: 'ok' | 'full' | 'failed' | 'closed';
  /** Empty when ok. */
  reason: string;
}

export interface MessageCounts {
  total: number;
  unread: number;
}

export interface MailboxReader {
  /** Runs `read` against one snapshot of the store: what it reads agrees, and no schema change can fail it. */
  snapshot<T>(read: () => T): T;
  search(params: SearchParams): { messages: MessageSummary[] } & MessageCounts;
  /** Every message in the store. */
  counts(): MessageCounts;
  /** `latest` is the newest message. */
  get(id: string): StoredMessage | undefined;
  has(id: string): boolean;
  /** The full message, marked read as Mailpit does when a client opens it. */
  view(id: string): Promise<Message | undefined>;
  part(id: string, partId: string): Promise<OpenedPart | Unavailable | undefined>;
  headers(id: string): Promise<Record<string, string[]> | Unavailable | undefined>;
  render(id: string, as: 'html' | 'text'): Promise<Rendered | undefined>;
  /** Every tag some message carries, in case-insensitive order. */
  tags(): string[];
  tagCounts(): Record<string, number>;
}

export interface MailboxWriter {
  /** How many messages were deleted. */
  delete(selection: MessageSelection): Promise<number>;
  /** The IDs whose read flag changed. */
  setRead(read: boolean, selection: MessageSelection): Promise<string[]>;
  /** Replaces the tags of messages; the IDs that changed. */
  setTags(ids: string[], tags: string[]): Promise<string[]>;
  /** `invalid` when the new name is empty once cleaned. */
  renameTag(from: string, to: string): Promise<TagRenameResult | 'invalid'>;
  /** False when there is no such tag. */
  deleteTag(name: string): Promise<boolean>;
}

export interface SessionReader {
  /** Open sessions first (newest first), then stored ones. */
  listSessions(start: number, limit: number, query: SessionQuery): { total: number; sessions: SessionSummary[] };
  /** `latest` is the session that started last, open or closed. */
  getSession(id: string): Session | undefined;
}

export interface StoreHealth {
  storeState(): StoreState;
  stats(): RuntimeStats & { Messages: number; Unread: number; DatabaseSize: number; Database: string };
}

/** Everything the HTTP layer uses. */
export type MailboxPort = MailboxReader & MailboxWriter & SessionReader & StoreHealth;
