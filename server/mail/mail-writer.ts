import type { Db } from './database.js';
import { emptyWal, emptyWalIfIdle, releaseFreePages } from './database.js';
import { discardStep } from './table-discard.js';
import { parseSummary } from './message-parser.js';
import { emptySummary, type ParsedSummary } from './summary.js';
import { removeFromMaildrop } from './maildrop-writes.js';
import { MessageStore, type NewMessage } from './message-store.js';
import { SessionStore } from './session-store.js';
import { BounceLinks } from './bounce-links.js';
import { extractTags, type TaggingOptions } from './tags.js';
import { impliedBcc } from './implied-bcc.js';
import { LARGE_WRITE_BYTES, WriteBatch } from './write-batch.js';
import type { WriteTarget, WriterLimits, WriterRequest, WriterResults } from './writer-protocol.js';
import { newId } from '../util/ids.js';

/** The longest a closed session's row waits for a batch of messages to share its commit. */
const SESSION_COMMIT_DELAY_MS = 20;
/** Idle ticks (20 ms apart, writer-thread.ts) that try to empty the WAL after freeing. */
const WAL_TRIES = 50;

/**
 * Every write to the store: ingest (parse + insert), session records, deletes, read flags,
 * retention. Runs on the writer thread so that SQLite commits never hold up the thread that
 * speaks SMTP. It parses only messages that parse quickly (parse-route.ts); the others arrive
 * parsed by a parse thread, so that one slow message never holds up another's commit. Ingests
 * and session records queued in one turn share a commit.
 */
export class MailWriter {
  readonly messages: MessageStore;
  readonly sessions: SessionStore;
  readonly #bounces: BounceLinks;
  readonly #batch: WriteBatch;
  /**
   * Open sessions whose row is committed: their next messages skip SessionStore.ensure (a
   * statement per message on a reused connection). Added only after the commit, so a batch
   * that rolled back is ensured again; dropped when the session's own record is saved.
   */
  readonly #ensured = new Set<string>();
  /** Bumped when every session row is deleted: an ensure committed before that no longer counts. */
  #sessionsEpoch = 0;
  #freeing = false;
  #walTries = 0;

  constructor(
    private readonly db: Db,
    private readonly limits: WriterLimits,
    private readonly tagging: TaggingOptions,
  ) {
    this.messages = new MessageStore(db);
    this.sessions = new SessionStore(db);
    this.#bounces = new BounceLinks(db);
    this.#batch = new WriteBatch(db, () => this.messages.recount());
  }

  handle(request: WriterRequest): Promise<WriterResults[WriterRequest['op']]> | WriterResults[WriterRequest['op']] {
    switch (request.op) {
      case 'ingest':
        return this.#ingest(request);
      case 'saveSession':
        // No SMTP reply waits on a closed session's row (the mailbox lists it live until then).
        this.#ensured.delete(request.row.id);
        return this.#batch.runSoon(() => {
          this.sessions.save(request.row);
          if (request.prune) this.sessions.pruneToCount(this.limits.maxSessions);
          return null;
        }, SESSION_COMMIT_DELAY_MS);
      case 'delete':
        return this.#exclusive(() => this.#delete(request.target), request.target === 'all');
      case 'setRead':
        return this.#exclusive(() => this.#setRead(request.read, request.target));
      case 'sweep':
        return this.#exclusive(() => {
          this.sessions.pruneOlderThan(request.cutoff);
          return this.messages.delete(this.messages.idsOlderThan(request.cutoff));
        });
      case 'reset':
        return this.#exclusive(() => {
          const count = this.messages.deleteAll();
          this.sessions.deleteAll();
          this.#ensured.clear();
          this.#sessionsEpoch++;
          this.#bounces.deleteAll();
          return count;
        }, true);
      case 'setTags':
        return this.#exclusive(() => this.#setTags(request.ids, request.tags));
      case 'renameTag':
        return this.#exclusive(() => this.#renameTag(request.from, request.to));
      case 'deleteTag':
        return this.#exclusive(() => this.#deleteTag(request.name));
      case 'maildropRemove':
        return this.#exclusive(() => removeFromMaildrop(this.db, this.messages, request.mailbox, request.ids));
      case 'limitPages':
        this.#batch.flush();
        // SQLite's own ceiling (SQLITE_MAX_PAGE_COUNT) when lifted; never below the current size.
        return this.db.pragma(`max_page_count = ${request.pages ?? 0xfffffffe}`, { simple: true }) as number;
    }
  }

  /** Commits whatever is queued. */
  flush(): void {
    this.#batch.flush();
  }

  async #ingest({ raw, parsed: given, envelope, session, bounce, now }: Extract<WriterRequest, { op: 'ingest' }>): Promise<WriterResults['ingest']> {
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    // A small message parsed here holds large inserts back until it is queued (write-batch.ts).
    const release = given || bytes.length >= LARGE_WRITE_BYTES ? () => {} : this.#batch.hold();
    let parsed: ParsedSummary;
    try {
      parsed = given ?? (await parseSummary(bytes).catch((error: unknown) => emptySummary([`the parser failed (${error instanceof Error ? error.message : String(error)})`])));
    } finally {
      release();
    }
    // A bounce mailsim sent has no session of its own: it links to the original's.
    const record = toRecord(bytes, envelope, session?.id ?? bounce?.SessionID ?? null, session?.user ?? '', now, parsed, this.tagging);
    const ensure = session && !this.#ensured.has(session.id) ? session : undefined;
    const epoch = this.#sessionsEpoch;
    const result = await this.#batch.run(() => {
      // Open sessions live in memory until they close; the first message writes the row so that
      // the message's link survives a crash (the row then reads "interrupted").
      if (ensure) this.sessions.ensure(ensure);
      const summary = this.messages.insert(record);
      if (bounce) this.#bounces.insert(summary.ID, bounce);
      // The envelope's recipients stay here, and the Bcc they imply: the mailbox has the list it sent (writer-protocol.ts).
      const reply = { ...summary, Bcc: parsed.bcc, Envelope: { From: summary.Envelope.From, To: [] } };
      return { summary: reply, pruned: this.messages.pruneToCount(this.limits.maxMessages), problems: parsed.problems };
      // A large message commits alone, so that small ones do not wait for it (write-batch.ts).
    }, bytes.length);
    if (ensure && epoch === this.#sessionsEpoch) this.#ensured.add(ensure.id);
    return result;
  }

  /** Bulk operations run after what is queued, in their own transaction; `truncate` empties the WAL after it commits. */
  #exclusive<T>(write: () => T, truncate = false): T {
    this.#batch.flush();
    const result = this.db.transaction(write)();
    if (truncate) emptyWal(this.db);
    return result;
  }

  /** Work done while no calls come: the search index, then freeing what a delete-all set aside and giving freed pages back; true while there is more. */
  idleStep(): boolean {
    if (this.messages.index.step()) return true;
    if (discardStep(this.db) || releaseFreePages(this.db)) {
      this.#freeing = true;
      return true;
    }
    // Freeing wrote up to journal_size_limit of WAL; once done, none of it is needed. The
    // checkpoint thread may be copying it at that moment (bench:store at 100,000 left 64 MB):
    // tried again on the next idle ticks, for a second at most.
    if (this.#freeing && !emptyWalIfIdle(this.db) && ++this.#walTries < WAL_TRIES) return true;
    this.#freeing = false;
    this.#walTries = 0;
    return false;
  }

  #delete(target: WriteTarget): WriterResults['delete'] {
    if (target === 'all') {
      const count = this.messages.deleteAll();
      this.#bounces.deleteAll();
      return { deleted: [], count };
    }
    const ids = 'ids' in target ? target.ids : this.messages.idsMatching(target.filter);
    const deleted = this.messages.delete(ids);
    return { deleted, count: deleted.length };
  }

  #setTags(ids: string[], tags: string[]): string[] {
    const changed: string[] = [];
    for (const id of ids) {
      const seq = this.messages.seqOf(id);
      if (seq !== undefined && this.messages.tags.replace(seq, tags)) changed.push(id);
    }
    this.messages.tags.pruneUnused();
    return changed;
  }

  #renameTag(from: string, to: string): WriterResults['renameTag'] {
    const tag = this.messages.tags.find(from);
    const result = this.messages.tags.rename(from, to);
    return { result, ids: result === 'ok' && tag ? this.messages.idsOf(this.messages.tags.seqsWith(tag.id)) : [] };
  }

  #deleteTag(name: string): WriterResults['deleteTag'] {
    const tag = this.messages.tags.find(name);
    if (!tag) return null;
    const ids = this.messages.idsOf(this.messages.tags.seqsWith(tag.id));
    this.messages.tags.remove(tag.id);
    return ids;
  }

  #setRead(read: boolean, target: WriteTarget): string[] {
    if (target === 'all') return this.messages.setRead(read, { filter: { where: '1', params: [] } });
    return 'ids' in target ? this.messages.setRead(read, { ids: target.ids }) : this.messages.setRead(read, { filter: target.filter });
  }
}

function toRecord(
  raw: Buffer,
  envelope: { from: string; to: string[] },
  sessionId: string | null,
  user: string,
  now: number,
  parsed: ParsedSummary,
  tagging: TaggingOptions,
): NewMessage {
  const bcc = impliedBcc(parsed, envelope.to);
  return {
    id: newId(),
    sessionId,
    created: now,
    envelopeFrom: envelope.from,
    envelopeTo: envelope.to,
    messageId: parsed.messageId,
    subject: parsed.subject,
    addresses: { From: parsed.from, To: parsed.to, Cc: parsed.cc, Bcc: bcc, ReplyTo: parsed.replyTo },
    date: parsed.date,
    size: raw.length,
    snippet: parsed.snippet,
    attachments: parsed.attachments,
    inline: parsed.inline,
    username: user,
    raw,
    bodyText: parsed.text,
    tags: extractTags({ xTags: parsed.xTags, from: parsed.from, to: parsed.to, cc: parsed.cc, bcc, user }, tagging),
    problems: parsed.problems,
  };
}

