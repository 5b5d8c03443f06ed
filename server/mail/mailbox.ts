import type { Clock, IncomingMessage, MessageSink, SessionRecord, SessionSink } from '../contracts.js';
import type { EventBus } from '../events/bus.js';
import type { Message, MessageSummary, RuntimeStats, SessionSummary } from '../protocol.js';
import { newId } from '../util/ids.js';
import { type Db, databaseSize, releaseFreePages } from './database.js';
import { findPart, headerMap, messageView, renderHtml, renderText } from './message-view.js';
import { parseSummary, type ParsedSummary } from './message-parser.js';
import { MessageStore, type StoredMessage } from './message-store.js';
import { parseSearch } from './search-query.js';
import { toSql } from './search-sql.js';
import { type SessionFilter, SessionStore, summarize } from './session-store.js';

export interface MailboxLimits {
  maxMessages: number;
  maxSessions: number;
  /** Messages and sessions older than this are deleted by sweep(); 0 keeps them. */
  maxAgeMs: number;
}

export interface MailboxOptions {
  db: Db;
  dbPath: string;
  bus: EventBus;
  clock: Clock;
  limits: MailboxLimits;
}

export interface SearchParams {
  query?: string;
  timeZone?: string;
  start: number;
  limit: number;
}

/** Sessions are pruned in batches: a soft bound is fine and saves a query per connection. */
const SESSION_PRUNE_EVERY = 64;

/**
 * The mail store's face to the rest of mailsim: ingests what the SMTP adapter hands over,
 * keeps retention, and answers the HTTP layer. Every mutation is published on the bus.
 */
export class Mailbox implements MessageSink, SessionSink {
  readonly messages: MessageStore;
  readonly sessions: SessionStore;
  readonly #stats = { accepted: 0, acceptedSize: 0, rejected: 0, deleted: 0 };
  readonly #started: number;
  #sessionWrites = 0;
  readonly #open = new Set<string>();
  /** Sessions open at the last reset: a test that resets must not see them close afterwards. */
  #forgotten = new Set<string>();

  constructor(private readonly options: MailboxOptions) {
    this.messages = new MessageStore(options.db);
    this.sessions = new SessionStore(options.db);
    this.#started = options.clock.now();
    this.sessions.markInterrupted(this.#started);
  }

  async ingest({ raw, envelope, session }: IncomingMessage): Promise<{ id: string }> {
    const parsed = await parseSummary(raw).catch(() => undefined);
    // A message arriving after a reset belongs to the new run, and so does its session.
    this.#forgotten.delete(session.id);
    const summary = this.options.db.transaction(() => {
      this.sessions.save(session);
      return this.messages.insert(this.#record(raw, envelope, session, parsed ?? emptySummary()));
    })();
    this.#stats.accepted++;
    this.#stats.acceptedSize += raw.length;
    this.options.bus.publish('message.received', summary);
    this.#deleted(this.messages.pruneToCount(this.options.limits.maxMessages));
    return { id: summary.ID };
  }

  opened(session: SessionRecord): void {
    this.#open.add(session.id);
    this.sessions.save(session);
    this.options.bus.publish('session.opened', summarize(session));
  }

  closed(session: SessionRecord): void {
    this.#open.delete(session.id);
    if (this.#forgotten.delete(session.id)) return;
    this.sessions.save(session);
    if (session.outcome === 'rejected' || session.outcome === 'deferred') this.#stats.rejected++;
    if (++this.#sessionWrites % SESSION_PRUNE_EVERY === 0) this.sessions.pruneToCount(this.options.limits.maxSessions);
    this.options.bus.publish('session.closed', summarize(session));
  }

  search({ query, timeZone, start, limit }: SearchParams): { messages: MessageSummary[]; total: number; unread: number } {
    const filter = query ? toSql(parseSearch(query, { timeZone, now: this.options.clock.now() })) : undefined;
    const { total, unread } = this.messages.countMatching(filter);
    return { messages: total > start ? this.messages.list(start, limit, filter) : [], total, unread };
  }

  get(id: string): StoredMessage | undefined {
    return this.messages.get(id);
  }

  /** Mailpit marks a message read when a client opens it through the API; so do we. */
  open(id: string): StoredMessage | undefined {
    const message = this.messages.get(id);
    if (message && !message.summary.Read) this.setRead(true, { ids: [message.summary.ID] });
    return message;
  }

  /** The full message (parsed on request), marking it read as Mailpit does. */
  async view(id: string): Promise<Message | undefined> {
    const stored = this.open(id);
    return stored && messageView(stored);
  }

  async part(id: string, partId: string): Promise<{ content: Buffer; contentType: string; filename: string } | undefined> {
    const stored = this.get(id);
    const part = stored && (await findPart(stored.raw, partId));
    return part && { content: part.content, contentType: part.contentType, filename: part.filename ?? `part-${partId}` };
  }

  headers(id: string): Record<string, string[]> | undefined {
    const stored = this.get(id);
    return stored && headerMap(stored.raw);
  }

  async render(id: string, as: 'html' | 'text'): Promise<string | undefined> {
    const stored = this.get(id);
    if (!stored) return undefined;
    return as === 'html' ? renderHtml(stored.summary.ID, stored.raw) : renderText(stored.raw);
  }

  delete(target: { ids: string[] } | { query: string; timeZone?: string } | 'all'): number {
    if (target === 'all') {
      const count = this.messages.deleteAll();
      this.#stats.deleted += count;
      releaseFreePages(this.options.db);
      this.options.bus.publish('message.deleted', { IDs: [], All: true });
      return count;
    }
    const ids = 'ids' in target ? target.ids : this.#matching(target.query, target.timeZone);
    const deleted = this.options.db.transaction(() => this.messages.delete(ids))();
    this.#deleted(deleted);
    return deleted.length;
  }

  setRead(read: boolean, target: { ids: string[] } | { query: string; timeZone?: string } | 'all'): string[] {
    const changed =
      target === 'all'
        ? this.messages.setRead(read, { filter: { where: '1', params: [] } })
        : 'ids' in target
          ? this.messages.setRead(read, { ids: target.ids })
          : this.messages.setRead(read, { filter: toSql(parseSearch(target.query, { timeZone: target.timeZone })) });
    if (changed.length) this.options.bus.publish('message.updated', { IDs: changed, Read: read });
    return changed;
  }

  listSessions(start: number, limit: number, filter: SessionFilter): { total: number; sessions: SessionSummary[] } {
    return this.sessions.list(start, limit, filter);
  }

  getSession(id: string) {
    const session = this.sessions.get(id);
    return session && { ...session, MessageIDs: this.messages.idsForSession(session.ID) };
  }

  /** Deletes what is past --max-age. Called on a timer by the harness. */
  sweep(): void {
    const { maxAgeMs } = this.options.limits;
    if (!maxAgeMs) return;
    const cutoff = this.options.clock.now() - maxAgeMs;
    this.#deleted(this.options.db.transaction(() => this.messages.delete(this.messages.idsOlderThan(cutoff)))());
    this.sessions.pruneOlderThan(cutoff);
  }

  /** Empties messages and sessions: the test-isolation reset. */
  reset(): void {
    this.options.db.transaction(() => {
      this.#stats.deleted += this.messages.deleteAll();
      this.sessions.deleteAll();
    })();
    this.#forgotten = new Set(this.#open);
    releaseFreePages(this.options.db);
    this.#stats.accepted = this.#stats.acceptedSize = this.#stats.rejected = 0;
    this.options.bus.publish('store.reset', {});
  }

  stats(): RuntimeStats & { Messages: number; Unread: number; DatabaseSize: number; Database: string } {
    const { unread } = this.messages.countMatching();
    return {
      Uptime: Math.round((this.options.clock.now() - this.#started) / 1000),
      Memory: process.memoryUsage.rss(),
      MessagesDeleted: this.#stats.deleted,
      SMTPAccepted: this.#stats.accepted,
      SMTPAcceptedSize: this.#stats.acceptedSize,
      SMTPRejected: this.#stats.rejected,
      SMTPIgnored: 0,
      Messages: this.messages.count,
      Unread: unread,
      DatabaseSize: databaseSize(this.options.db),
      Database: this.options.dbPath,
    };
  }

  #matching(query: string, timeZone?: string): string[] {
    return this.messages.idsMatching(toSql(parseSearch(query, { timeZone, now: this.options.clock.now() })));
  }

  #deleted(ids: string[]): void {
    if (!ids.length) return;
    this.#stats.deleted += ids.length;
    this.options.bus.publish('message.deleted', { IDs: ids });
  }

  #record(raw: Buffer, envelope: IncomingMessage['envelope'], session: SessionRecord, parsed: ParsedSummary) {
    return {
      id: newId(),
      sessionId: session.id,
      created: this.options.clock.now(),
      envelopeFrom: envelope.from,
      envelopeTo: envelope.to,
      messageId: parsed.messageId,
      subject: parsed.subject,
      addresses: {
        From: parsed.from,
        To: parsed.to,
        Cc: parsed.cc,
        Bcc: impliedBcc(parsed, envelope.to),
        ReplyTo: parsed.replyTo,
      },
      date: parsed.date,
      size: raw.length,
      snippet: parsed.snippet,
      attachments: parsed.attachments,
      inline: parsed.inline,
      username: session.user,
      raw,
      bodyText: parsed.text,
    };
  }
}

/**
 * Bcc recipients never appear in the headers a client sends; the envelope is the only place
 * they show. Any RCPT TO not named in To or Cc is listed as Bcc.
 */
function impliedBcc(parsed: ParsedSummary, recipients: string[]) {
  const named = new Set([...parsed.to, ...parsed.cc, ...parsed.bcc].map((a) => a.Address.toLowerCase()));
  const implied = recipients.filter((r) => !named.has(r.toLowerCase())).map((r) => ({ Name: '', Address: r }));
  return [...parsed.bcc, ...implied];
}

function emptySummary(): ParsedSummary {
  return { messageId: '', subject: '', from: null, to: [], cc: [], bcc: [], replyTo: [], date: null, text: '', snippet: '', attachments: 0, inline: 0 };
}
