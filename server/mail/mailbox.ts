import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, IncomingMessage, LiveSession, MessageSink, SessionRecord, SessionSink } from '../ports/contracts.js';
import { type Log, silentLog } from '../ports/log.js';
import type { EventBus } from '../events/bus.js';
import type { Message, MessageSummary, RuntimeStats, Session, SessionSummary } from '../protocol.js';
import { type Db, databaseSize } from './database.js';
import { setImpliedBcc } from './implied-bcc.js';
import { MaildropStore } from './maildrop-store.js';
import { MessageOpener } from './message-open.js';
import { MessageStore } from './message-store.js';
import { BounceLinks } from './bounce-links.js';
import { ParsePool } from './parse-pool.js';
import { boundPageCache, READER_CACHE_KIB } from './page-cache.js';
import { transferable, transferList } from './shared-bytes.js';
import { parsesCheaply } from './parse-route.js';
import { parseSearch } from './search-query.js';
import { parseSearchDate } from './search-date.js';
import { isValidTimeZone } from '../util/time-zone.js';
import { type SqlFilter, toSql } from './search-sql.js';
import { matchesFilter, SessionStore, sessionRow, summarize } from './session-store.js';
import { cleanTag, isValidTag, type TaggingOptions, uniqueTags } from './tags.js';
import { StoreStatus, storageFull } from './store-status.js';
import type {
  MailboxPort,
  MessageCounts,
  MessageSelection,
  OpenedPart,
  Rendered,
  SearchParams,
  SessionQuery,
  StoreState,
  StoredMessage,
  TagRenameResult,
  Unavailable,
} from '../ports/mailbox.js';
import { isStorageFull, type WriteState } from './write-health.js';
import { WriterClient } from './writer-client.js';
import type { WriteTarget } from './writer-protocol.js';

export interface MailboxLimits {
  maxMessages: number;
  maxSessions: number;
  /** Messages and sessions older than this are deleted by sweep(); 0 keeps them. */
  maxAgeMs: number;
}

export interface MailboxOptions {
  /** A file path, or ":memory:" for a store that is deleted on close. */
  dbPath: string;
  bus: EventBus;
  clock: Clock;
  limits: MailboxLimits;
  /** Where a failed background write (a session record) is reported. */
  report: (error: unknown) => void;
  /** Where new messages get tags from; X-Tags and plus addresses by default. */
  tagging?: TaggingOptions;
  /** Where a message that could not be parsed in full is logged (once, with its ID and why). */
  log?: Log;
  /** Parse threads and the time bound of one parse (see parse-pool.ts). */
  parsing?: { threads?: number; timeoutMs?: number };
}

/** At most two parse threads: the second only runs while the first is stuck on a slow parse (parse-pool.ts). */
const PARSE_THREADS = 2;
/** Mailparser reads a 25 MiB message in well under a second here; ten seconds is pathological. */
const PARSE_TIMEOUT_MS = 10_000;

export const DEFAULT_TAGGING: TaggingOptions = { sources: ['x-tags', 'plus-addresses'] };



/** Sessions are pruned in batches: a soft bound is fine and saves a query per connection. */
const SESSION_PRUNE_EVERY = 64;

interface Opened {
  writer: WriterClient;
  parsers: ParsePool;
  opener: MessageOpener;
  reader: Db;
  messages: MessageStore;
  sessions: SessionStore;
  bounces: BounceLinks;
  scratch: string | undefined;
}

/**
 * The mail store's face to the rest of mailsim. MIME parsing runs on the writer thread (a
 * message that parses quickly, at ingest) or on parse threads (any other message, and opening
 * any message), commits on the writer thread: never on the SMTP thread. Reads
 * of summaries use this thread's own read-only connection, which sees every write the moment its
 * promise resolves. Every change is published on the bus.
 */
export class Mailbox implements MessageSink, SessionSink, MailboxPort {
  readonly #stats = { accepted: 0, acceptedSize: 0, rejected: 0, deleted: 0 };
  /** Open sessions are kept here, not written, until they close: a row per connection open
   * would cost a commit per connection. */
  readonly #live = new Map<string, LiveSession>();
  /** Sessions open at the last reset: a test that resets must not see them afterwards. */
  #forgotten = new Set<string>();
  #sessionWrites = 0;
  #started = 0;
  /** Bumped by reset(): a write queued before it must not announce itself after it. */
  #epoch = 0;
  #store: Opened | undefined;
  readonly #status: StoreStatus;
  /** One POP3 maildrop per envelope recipient (maildrop-store.ts); a deletion that empties the
   * last maildrop of a message deletes the message and is announced like any other. */
  readonly maildrops = new MaildropStore({
    reader: () => this.#s.reader,
    remove: async (mailbox, ids) => this.#deleted(await this.#s.writer.call({ op: 'maildropRemove', mailbox, ids: [...ids] })),
  });

  constructor(private readonly options: MailboxOptions) {
    const current = () => ({ open: this.#store !== undefined, failure: this.#store?.writer.failure });
    this.#status = new StoreStatus(current, options.log, options.report);
  }

  async open(): Promise<void> {
    const { dbPath, limits, clock, report } = this.options;
    const scratch = dbPath === ':memory:' ? mkdtempSync(join(tmpdir(), 'mailsim-')) : undefined;
    const path = scratch ? join(scratch, 'mailsim.db') : dbPath;
    this.#started = clock.now();
    const tagging = this.options.tagging ?? DEFAULT_TAGGING;
    const events = {
      report: (error: Error) => {
        report(error);
        this.#status.changed();
      },
      health: (state: WriteState) => this.#status.writesChanged(state),
    };
    const writer = await WriterClient.start({ path, limits, openedAt: this.#started, checkpointEveryMs: 250, tagging }, events);
    const reader = new Database(path, { readonly: true });
    reader.pragma('busy_timeout = 5000');
    boundPageCache(reader, READER_CACHE_KIB);
    const { threads = PARSE_THREADS, timeoutMs = PARSE_TIMEOUT_MS } = this.options.parsing ?? {};
    const parsers = new ParsePool({ path, threads, timeoutMs });
    const messages = new MessageStore(reader);
    const opener = new MessageOpener(parsers, () => this.#s.messages, this.options.log ?? silentLog);
    this.#store = { writer, parsers, opener, reader, messages, sessions: new SessionStore(reader), bounces: new BounceLinks(reader), scratch };
  }

  get #s(): Opened {
    if (!this.#store) throw new Error('the mailbox is not open');
    return this.#store;
  }

  get healthy(): boolean {
    return this.storeState().state === 'ok';
  }

  /** Whether the store takes new mail, and if not why. */
  storeState(): StoreState {
    return this.#status.state();
  }

  /** Called with each change of the store's state (a full disk, space again); returns the unsubscribe. */
  onStoreChange(listener: (state: StoreState) => void): () => void {
    return this.#status.onChange(listener);
  }

  async ingest({ raw, spool, envelope, session, bounce }: IncomingMessage): Promise<{ id: string; subject: string }> {
    // A message arriving after a reset belongs to the new run, and so does its session.
    if (session) this.#forgotten.delete(session.id);
    const now = this.options.clock.now();
    // Parsed on the writer thread when that is quick, else on a parse thread first (parse-route.ts).
    // A spooled message's bytes move to the writer (raw is empty here afterwards): no copy, and
    // its memory goes with the writer's insert (shared-bytes.ts releaseBytes).
    const size = raw.length;
    const { parsed, bytes } = parsesCheaply(raw) ? { parsed: undefined, bytes: transferable(raw) } : await this.#s.parsers.summarize(raw, spool);
    // Only the session's row is written with a message (SessionStore.ensure); its transcript and
    // transactions come at close, and copying them to the writer per message grew with the session.
    const header = session ? { ...session, transcript: [], transactions: [] } : undefined;
    const request = { op: 'ingest', raw: bytes, parsed, envelope, session: header, ...(bounce && { bounce }), now } as const;
    const { summary, pruned, problems } = await this.#s.writer.call(request, transferList(bytes)).catch((error: unknown) => {
      throw isStorageFull(error) ? storageFull(error) : error;
    });
    summary.Envelope.To = envelope.to;
    setImpliedBcc(summary, envelope.to);
    this.#s.opener.noteProblems(summary.ID, problems);
    this.#stats.accepted++;
    this.#stats.acceptedSize += size;
    this.options.bus.publish('message.received', summary);
    this.#deleted(pruned);
    return { id: summary.ID, subject: summary.Subject };
  }

  opened(session: LiveSession): void {
    this.#live.set(session.id, session);
    this.options.bus.publish('session.opened', summarize(session.record()));
  }

  /** Written in the background; the session leaves the live list once its row is committed. */
  closed(session: SessionRecord): void {
    if (this.#forgotten.delete(session.id)) {
      this.#live.delete(session.id);
      return;
    }
    if (session.outcome === 'rejected' || session.outcome === 'deferred') this.#stats.rejected++;
    const prune = ++this.#sessionWrites % SESSION_PRUNE_EVERY === 0;
    const epoch = this.#epoch;
    this.#s.writer
      .call({ op: 'saveSession', row: sessionRow(session), prune })
      .then(
        () => epoch === this.#epoch && this.options.bus.publish('session.closed', summarize(session)),
        // A full disk is logged once, when it fills (store-status.ts), not once per session.
        (error: unknown) => isStorageFull(error) || this.options.report(error),
      )
      .finally(() => this.#live.delete(session.id));
  }

  get messages(): MessageStore {
    return this.#s.messages;
  }

  snapshot<T>(read: () => T): T {
    return this.#s.messages.snapshot(read);
  }

  counts(): MessageCounts {
    return this.#s.messages.countMatching();
  }

  search({ query, timeZone, start, limit, before }: SearchParams): { messages: MessageSummary[] } & MessageCounts {
    const filter = this.#searchFilter(query, timeZone, before);
    const messages = this.#s.messages;
    return messages.snapshot(() => {
      const { total, unread } = messages.countMatching(filter);
      return { messages: total > start ? messages.list(start, limit, filter) : [], total, unread };
    });
  }

  get(id: string): StoredMessage | undefined {
    return this.#s.messages.get(id);
  }

  /** The full message (parsed on a parse thread), marked read as Mailpit does when a client opens it. */
  async view(id: string): Promise<Message | undefined> {
    const stored = this.#s.messages.lookup(id);
    if (!stored) return undefined;
    if (!stored.summary.Read) {
      await this.setRead(true, { ids: [stored.summary.ID] });
      stored.summary.Read = true;
    }
    const message = await this.#s.opener.view(stored);
    return message && { ...message, ...this.#s.bounces.fieldsOf(message.ID) };
  }

  /** True when the message exists (read without its raw bytes). */
  has(id: string): boolean {
    return this.#s.messages.lookup(id) !== undefined;
  }

  async part(id: string, partId: string): Promise<OpenedPart | Unavailable | undefined> {
    const found = this.#s.messages.lookup(id);
    return found && this.#s.opener.part(found.summary.ID, partId);
  }

  async headers(id: string): Promise<Record<string, string[]> | Unavailable | undefined> {
    const found = this.#s.messages.lookup(id);
    return found && this.#s.opener.headers(found.summary.ID);
  }

  async render(id: string, as: 'html' | 'text'): Promise<Rendered | undefined> {
    const found = this.#s.messages.lookup(id);
    return found && this.#s.opener.render(found.summary.ID, as);
  }

  async delete(selection: MessageSelection): Promise<number> {
    const { deleted, count } = await this.#s.writer.call({ op: 'delete', target: this.#target(selection) });
    if (selection === 'all') {
      this.#stats.deleted += count;
      this.options.bus.publish('message.deleted', { IDs: [], All: true });
    } else {
      this.#deleted(deleted);
    }
    return count;
  }

  async setRead(read: boolean, selection: MessageSelection): Promise<string[]> {
    const changed = await this.#s.writer.call({ op: 'setRead', read, target: this.#target(selection) });
    if (changed.length) this.options.bus.publish('message.updated', { IDs: changed, Read: read });
    return changed;
  }

  /** Every tag some message carries, in case-insensitive order. */
  tags(): string[] {
    return this.#s.messages.tags.list();
  }

  tagCounts(): Record<string, number> {
    return this.#s.messages.tags.counts();
  }

  /** Replaces the tags of messages (Mailpit's PUT /api/v1/tags); invalid tags are dropped. */
  async setTags(ids: string[], tags: string[]): Promise<string[]> {
    const clean = uniqueTags(tags);
    const changed = await this.#s.writer.call({ op: 'setTags', ids, tags: clean });
    if (changed.length) this.options.bus.publish('message.tagged', { IDs: changed, Tags: clean });
    return changed;
  }

  /** `invalid` when the new name is empty once cleaned. */
  async renameTag(from: string, to: string): Promise<TagRenameResult | 'invalid'> {
    const name = cleanTag(to);
    if (!name || !isValidTag(name)) return 'invalid';
    const { result, ids } = await this.#s.writer.call({ op: 'renameTag', from, to: name });
    if (ids.length) this.options.bus.publish('message.tagged', { IDs: ids });
    return result;
  }

  /** False when there is no such tag; the messages that carried it stay. */
  async deleteTag(name: string): Promise<boolean> {
    const ids = await this.#s.writer.call({ op: 'deleteTag', name });
    if (ids?.length) this.options.bus.publish('message.tagged', { IDs: ids });
    return ids !== null;
  }

  /** Open sessions first (newest first), then stored ones. */
  listSessions(start: number, limit: number, filter: SessionQuery): { total: number; sessions: SessionSummary[] } {
    const live = this.#liveSummaries().filter((s) => matchesFilter(s, filter));
    const fromLive = live.slice(start, start + limit);
    const stored = this.#s.sessions.list(Math.max(0, start - live.length), limit - fromLive.length, filter);
    return { total: live.length + stored.total, sessions: [...fromLive, ...stored.sessions] };
  }

  getSession(id: string): Session | undefined {
    const session = id === 'latest' ? this.#latestSession() : this.#liveRecord(id) ?? this.#s.sessions.get(id);
    return session && { ...session, MessageIDs: this.#s.messages.idsForSession(session.ID) };
  }

  /** "latest" is the session that started last, open or closed. */
  #latestSession() {
    const live = [...this.#live.keys()].reverse().map((id) => this.#liveRecord(id)).find(Boolean);
    const stored = this.#s.sessions.get('latest');
    if (!live || !stored) return live ?? stored;
    return live.Started >= stored.Started ? live : stored;
  }

  #liveRecord(id: string) {
    const live = this.#live.get(id);
    return live && !this.#forgotten.has(id) ? recordView(live.record()) : undefined;
  }

  #liveSummaries(): SessionSummary[] {
    return [...this.#live.values()]
      .filter((s) => !this.#forgotten.has(s.id))
      .map((s) => summarize(s.record()))
      .reverse();
  }

  /**
   * SQLite's max_page_count on the writer's connection, null to lift it: a database that cannot
   * grow behaves as a full disk does (SQLITE_FULL). How the tests fill the disk deterministically.
   */
  limitPages(pages: number | null): Promise<number> {
    return this.#s.writer.call({ op: 'limitPages', pages });
  }

  /** Deletes what is past --max-age. Called on a timer by the harness. */
  async sweep(): Promise<void> {
    const { maxAgeMs } = this.options.limits;
    if (!maxAgeMs) return;
    this.#deleted(await this.#s.writer.call({ op: 'sweep', cutoff: this.options.clock.now() - maxAgeMs }));
  }

  /** Empties messages and sessions: the test-isolation reset. */
  async reset(): Promise<void> {
    // Both before the first await: a session that closes while the reset runs belongs to the
    // run being reset and must not be saved or announced after it.
    this.#epoch++;
    this.#forgotten = new Set(this.#live.keys());
    this.#stats.deleted += await this.#s.writer.call({ op: 'reset' });
    this.#stats.accepted = this.#stats.acceptedSize = this.#stats.rejected = 0;
    this.options.bus.publish('store.reset', {});
  }

  stats(): RuntimeStats & { Messages: number; Unread: number; DatabaseSize: number; Database: string } {
    const { total, unread } = this.#s.messages.countMatching();
    return {
      Uptime: Math.round((this.options.clock.now() - this.#started) / 1000),
      Memory: process.memoryUsage.rss(),
      MessagesDeleted: this.#stats.deleted,
      SMTPAccepted: this.#stats.accepted,
      SMTPAcceptedSize: this.#stats.acceptedSize,
      SMTPRejected: this.#stats.rejected,
      SMTPIgnored: 0,
      Messages: total,
      Unread: unread,
      DatabaseSize: databaseSize(this.#s.reader),
      Database: this.options.dbPath,
    };
  }

  async close(): Promise<void> {
    const store = this.#store;
    if (!store) return;
    this.#store = undefined;
    await Promise.all([store.writer.close(), store.parsers.close()]);
    store.reader.close();
    if (store.scratch) rmSync(store.scratch, { recursive: true, force: true });
  }

  /** Search queries are parsed here, on the caller's thread, never in the writer. */
  #filter(query: string, timeZone?: string): SqlFilter {
    return toSql(parseSearch(query, { timeZone, now: this.options.clock.now() }));
  }

  /** The query's filter and Mailpit's `before=` (messages received strictly before it); undefined for none. */
  #searchFilter(query: string | undefined, timeZone: string | undefined, before: string | undefined): SqlFilter | undefined {
    const zone = timeZone && isValidTimeZone(timeZone) ? timeZone : 'UTC';
    const at = before === undefined ? undefined : parseSearchDate(before, zone, this.options.clock.now());
    if (!query && at === undefined) return undefined;
    const filter = query ? this.#filter(query, timeZone) : { where: '1', params: [] };
    return at === undefined ? filter : { ...filter, where: `(${filter.where}) AND m.created < ?`, params: [...filter.params, at], narrow: false };
  }

  #target(selection: MessageSelection): WriteTarget {
    if (selection === 'all' || 'ids' in selection) return selection;
    return { filter: this.#filter(selection.query, selection.timeZone) };
  }

  #deleted(ids: string[]): void {
    if (!ids.length) return;
    this.#stats.deleted += ids.length;
    this.options.bus.publish('message.deleted', { IDs: ids });
  }
}

function recordView(record: SessionRecord): SessionSummary & { Transcript: Session['Transcript'] } {
  return { ...summarize(record), Transcript: [...record.transcript] };
}
