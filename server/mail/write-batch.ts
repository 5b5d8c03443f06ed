import type { Db } from './database.js';

interface Pending {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every write queued during one turn of the event loop goes into a single
 * transaction at the end of that turn. Under load this turns many small commits (each a WAL
 * append and, at checkpoints, a sync) into one, and costs a caller at most one loop turn of
 * latency. A write that throws is retried alone so it cannot take its neighbours down with it.
 */
export class WriteBatch {
  #queue: Pending[] = [];
  #scheduled = false;
  /** Writes nobody waits on (closed sessions): they join the next batch rather than commit alone. */
  #later: Pending[] = [];
  #laterTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    /** Called after a batch rolled back, so in-memory counters can re-read the truth. */
    private readonly afterRollback: () => void = () => {},
  ) {}

  /** Resolves with the write's result once its transaction has committed. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
      }
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
      this.#laterTimer ??= setTimeout(() => this.flush(), maxDelayMs);
    });
  }

  /** Commits what is queued now, deferred writes first (they were queued first); also called before the database closes. */
  flush(): void {
    this.#scheduled = false;
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

  #runAlone({ write, resolve, reject }: Pending): void {
    try {
      resolve(this.db.transaction(write)());
    } catch (error) {
      reject(error);
    }
  }
}
