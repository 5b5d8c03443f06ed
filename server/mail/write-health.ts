import type { Db } from './database.js';

/** An error as it crosses from the writer thread: structured clone keeps neither `code` nor the class. */
export interface SerializedError {
  message: string;
  name?: string;
  code?: string;
  stack?: string;
}

/** Whether the store can take new messages; `full` while SQLite answers SQLITE_FULL. */
export type WriteState = { state: 'ok' } | { state: 'full'; error: SerializedError; since: number };

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { message: error.message, name: error.name, stack: error.stack, ...(typeof code === 'string' && { code }) };
}

export function reviveError(serialized: SerializedError): Error {
  const error = Object.assign(new Error(serialized.message), serialized.code !== undefined && { code: serialized.code });
  if (serialized.name) error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

/**
 * SQLITE_FULL: the disk is full, or the database reached its max_page_count (SQLite's unix VFS
 * turns a write's ENOSPC into SQLITE_FULL). Anything written meanwhile fails and leaves nothing.
 */
export function isStorageFull(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_FULL';
}

/**
 * The writer thread's view of whether writes get through. It turns `full` on the first
 * SQLITE_FULL and back to `ok` on the next message stored or probe that succeeds; each change is
 * announced once, so a full disk is one log line, not one per message.
 */
export class WriteHealth {
  #state: WriteState = { state: 'ok' };
  /** Bytes of the largest message refused while full: space is back when that much fits. */
  #needed = 0;

  constructor(
    private readonly announce: (state: WriteState) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get full(): boolean {
    return this.#state.state === 'full';
  }

  get needed(): number {
    return this.#needed;
  }

  /** `bytes`: the size of the message that could not be written, if it was one. */
  failed(error: unknown, bytes = 0): void {
    if (!isStorageFull(error)) return;
    this.#needed = Math.max(this.#needed, bytes);
    if (this.full) return;
    this.#state = { state: 'full', error: serializeError(error), since: this.now() };
    this.announce(this.#state);
  }

  succeeded(): void {
    if (!this.full) return;
    this.#state = { state: 'ok' };
    this.#needed = 0;
    this.announce(this.#state);
  }
}

/** While full, space is probed for at most this often (a probe writes as much as the refused message). */
const PROBE_EVERY_MS = 1000;

/**
 * The periodic WAL checkpoint, which must never throw out of its timer (that killed the writer
 * thread for good on a full disk). While the store is full it also probes for space with a write
 * that needs new pages and commits (insert and delete of a row as large as the largest message
 * refused): SQLITE_FULL means still full, with either a max_page_count or a disk that cannot
 * take the WAL's growth.
 */
export class Checkpointer {
  readonly #probe: (bytes: number) => void;
  readonly #pageSize: number;
  #lastProblem = '';
  #lastProbe = 0;

  constructor(
    private readonly db: Db,
    private readonly health: WriteHealth,
    /** A checkpoint failure other than a full disk, reported once per distinct message. */
    private readonly problem: (error: SerializedError) => void,
  ) {
    const insert = db.prepare('INSERT INTO message_raw (seq, raw) VALUES (-1, zeroblob(?))');
    const remove = db.prepare('DELETE FROM message_raw WHERE seq = -1');
    this.#pageSize = db.pragma('page_size', { simple: true }) as number;
    this.#probe = db.transaction((bytes: number) => {
      insert.run(bytes);
      remove.run();
    });
  }

  /** The checkpoint and the probe, on this connection. */
  tick(): void {
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      this.failed(error);
    }
    this.probe();
  }

  /** A checkpoint failed (here, or on the checkpoint thread). */
  failed(error: unknown): void {
    this.health.failed(error);
    const message = serializeError(error).message;
    if (!isStorageFull(error) && message !== this.#lastProblem) {
      this.#lastProblem = message;
      this.problem(serializeError(error));
    }
  }

  /** While the store is full, at most once a second: whether a write as large as the largest refused gets through. */
  probe(): void {
    const now = Date.now();
    if (!this.health.full || now - this.#lastProbe < PROBE_EVERY_MS) return;
    this.#lastProbe = now;
    try {
      this.#probe(Math.max(2 * this.#pageSize, this.health.needed));
      this.health.succeeded();
    } catch {
      // Still full; the state already says so.
    }
  }
}
