import type { Db } from './database.js';

interface Pending {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * A write of at least this many bytes commits in a transaction of its own, one per turn. SQLite
 * writes a 20 MiB blob in ~100 ms here (more under load): 13 of them sharing a group commit with
 * a 2 KiB message held that message's 250 for 2.2 s (bench:hostile row 11). Under this size a
 * write costs well under 10 ms, so any number of them share a commit.
 */
export const LARGE_WRITE_BYTES = 256 * 1024;
/** The longest small writes may hold up the next large one: a large write is never starved. */
const MAX_PUT_OFF_MS = 50;

/**
 * Group commit: every small write queued during one turn of the event loop goes into a single
 * transaction at the end of that turn. Under load this turns many small commits (each a WAL
 * append and, at checkpoints, a sync) into one, and costs a caller at most one loop turn of
 * latency. A write that throws is retried alone so it cannot take its neighbours down with it.
 *
 * Large writes (LARGE_WRITE_BYTES) wait in a line of their own and commit one per turn, in the
 * order they came, each in a transaction of its own: a small write waits for at most one large
 * write, and a large one for the large ones before it and at most MAX_PUT_OFF_MS of small
 * writes each, never for an endless stream of small ones. Every write still commits before its promise resolves.
 */
export class WriteBatch {
  #queue: Pending[] = [];
  #large: Pending[] = [];
  #scheduled = false;
  /** Since when the first large write waiting has been put off for small ones. */
  #putOffSince: number | undefined;
  /** Small writes on their way (a message being parsed): large ones wait for them, a while. */
  #holds = 0;
  /** Writes nobody waits on (closed sessions): they join the next batch rather than commit alone. */
  #later: Pending[] = [];
  #laterTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    /** Called after a batch rolled back, so in-memory counters can re-read the truth. */
    private readonly afterRollback: () => void = () => {},
  ) {}

  /** Resolves with the write's result once its transaction has committed; `bytes` is about how much it writes. */
  run<T>(write: () => T, bytes = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (bytes >= LARGE_WRITE_BYTES ? this.#large : this.#queue).push({ write, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /**
   * Like run(), for a write no reply waits on: it is committed with the next batch of run()
   * writes, or after `maxDelayMs` if none comes. With one connection per message every closed
   * session had a commit of its own, a third of the writer's commits (issue 14).
   */
  runSoon<T>(write: () => T, maxDelayMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#later.push({ write, resolve: resolve as (value: unknown) => void, reject });
      this.#laterTimer ??= setTimeout(() => this.#commitSmall(), maxDelayMs);
    });
  }

  /** Commits everything queued now, small writes first; called before bulk operations and before the database closes. */
  flush(): void {
    this.#commitSmall();
    while (this.#large.length) this.#commitLarge();
    this.#putOffSince = undefined;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  /**
   * Announces a small write to come (its message is being parsed, which takes a few turns):
   * until it comes, or MAX_PUT_OFF_MS, no large write starts. Call the function returned then.
   */
  hold(): () => void {
    this.#holds++;
    let held = true;
    return () => {
      if (held) this.#holds--;
      held = false;
    };
  }

  /**
   * A turn with small writes waiting commits them and puts the next large write off to a turn
   * two immediates later: their replies (queued by the promise callbacks as an immediate of
   * their own, writer-thread.ts) leave first, and calls that come meanwhile are received. A
   * large write is put off for at most MAX_PUT_OFF_MS: then it goes whatever came, and the
   * small writes after it.
   */
  #turn(): void {
    this.#scheduled = false;
    const small = this.#queue.length > 0 || this.#later.length > 0;
    if (this.#large.length) {
      const due = this.#putOffSince !== undefined && performance.now() - this.#putOffSince >= MAX_PUT_OFF_MS;
      if (due || (!small && this.#holds === 0)) {
        this.#commitLarge();
        this.#putOffSince = undefined;
      } else this.#putOffSince ??= performance.now();
    }
    this.#commitSmall();
    if (!this.#large.length) return;
    this.#scheduled = true;
    setImmediate(() => (small ? setImmediate(() => this.#turn()) : this.#turn()));
  }

  /** One transaction for the deferred writes (queued first) and the small ones. */
  #commitSmall(): void {
    if (this.#laterTimer) clearTimeout(this.#laterTimer);
    this.#laterTimer = undefined;
    const batch = this.#later.length ? [...this.#later, ...this.#queue] : this.#queue;
    this.#queue = [];
    this.#later = [];
    if (!batch.length) return;
    let results: unknown[];
    try {
      results = this.db.transaction(() => batch.map(({ write }) => write()))();
    } catch {
      this.afterRollback();
      for (const pending of batch) this.#runAlone(pending);
      return;
    }
    batch.forEach(({ resolve }, i) => resolve(results[i]));
  }

  #commitLarge(): void {
    const pending = this.#large.shift();
    if (!pending) return;
    if (!this.#runAlone(pending)) this.afterRollback();
  }

  /** False when the write rolled back. */
  #runAlone({ write, resolve, reject }: Pending): boolean {
    try {
      resolve(this.db.transaction(write)());
      return true;
    } catch (error) {
      reject(error);
      return false;
    }
  }
}
