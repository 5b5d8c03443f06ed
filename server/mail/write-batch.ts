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

  /** Commits what is queued now; also called before the database closes. */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
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
