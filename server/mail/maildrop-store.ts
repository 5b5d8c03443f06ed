import type { Statement } from 'better-sqlite3';
import { baseMaildrop, crlfOctets, type MaildropEntry, type Maildrops, maildropName } from '../ports/maildrops.js';
import type { Db } from './database.js';

export interface MaildropStoreDeps {
  /** The store's read-only connection on this thread (the mailbox opens it). */
  reader: () => Db;
  /** Runs the UPDATE on the writer thread (maildrop-writes.ts) and announces what it deleted. */
  remove: (mailbox: string, ids: readonly string[]) => Promise<void>;
}

/** Sizes of messages seen, by ID: stored messages never change, and LIST needs each one's. */
const SIZE_CACHE_LIMIT = 50_000;
/** Messages sized between two turns of the event loop (about 10 ms of reading at 25 KiB each). */
const SIZE_BATCH = 200;

/**
 * The POP3 server's view of the store (ports/maildrops.ts): every stored message (captured mail,
 * bounces, simulated inbound mail alike) is in the maildrop of each of its envelope recipients,
 * lower-cased, and a sub-addressed recipient's mail in its base address's too (`bounce+7@x` in
 * `bounce@x`, see baseMaildrop), oldest first, until a POP3 client deletes it there. The UID is the store's message
 * ID, so UIDL is stable across sessions and restarts (RFC 1939 §7) and names the message the API
 * and the UI show.
 */
export class MaildropStore implements Maildrops {
  readonly #sizes = new Map<string, number>();
  #prepared: { db: Db; list: Statement<unknown[]>; raw: Statement<unknown[]> } | undefined;

  constructor(private readonly deps: MaildropStoreDeps) {}

  async list(mailbox: string): Promise<MaildropEntry[]> {
    const { list, raw } = this.#statements();
    const ids = list.all({ mailbox }) as string[];
    const entries: MaildropEntry[] = [];
    let read = 0;
    for (const id of ids) {
      let size = this.#sizes.get(id);
      if (size === undefined) {
        // A first login to a large maildrop reads every message once (LIST needs CRLF sizes):
        // the event loop gets a turn between batches, so SMTP and the API go on meanwhile.
        if (++read % SIZE_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
        const bytes = raw.get(id) as Buffer | undefined;
        if (!bytes) continue;
        size = crlfOctets(bytes);
        if (this.#sizes.size >= SIZE_CACHE_LIMIT) this.#sizes.clear();
        this.#sizes.set(id, size);
      }
      entries.push({ id, uid: id, size });
    }
    return entries;
  }

  async read(_mailbox: string, id: string): Promise<Buffer | null> {
    return (this.#statements().raw.get(id) as Buffer | undefined) ?? null;
  }

  async remove(mailbox: string, ids: readonly string[]): Promise<void> {
    if (ids.length) await this.deps.remove(mailbox, ids);
  }

  /** Prepared once per connection (the mailbox reopens its reader when it reopens). */
  #statements() {
    const db = this.deps.reader();
    if (this.#prepared?.db === db) return this.#prepared;
    // SQLite's lower() folds ASCII only; the maildrop name is JavaScript's toLowerCase.
    db.function('maildrop_name', { deterministic: true }, (address: unknown) => maildropName(String(address)));
    db.function('maildrop_base', { deterministic: true }, (address: unknown) => baseMaildrop(String(address)));
    this.#prepared = {
      db,
      list: db
        .prepare<unknown[]>(
          `SELECT m.id FROM messages m
           WHERE EXISTS (
             SELECT 1 FROM json_each(m.envelope_to) j
             WHERE (maildrop_name(j.value) = @mailbox OR maildrop_base(j.value) = @mailbox)
               AND NOT EXISTS (SELECT 1 FROM maildrop_removed x WHERE x.message_id = m.id AND x.mailbox = maildrop_name(j.value)))
           ORDER BY m.seq`,
        )
        .pluck(),
      raw: db.prepare<unknown[]>('SELECT r.raw FROM messages m JOIN message_raw r ON r.seq = m.seq WHERE m.id = ?').pluck(),
    };
    return this.#prepared;
  }
}
