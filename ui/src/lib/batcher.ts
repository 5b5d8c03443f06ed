/** Runs `flush` soon: on the next animation frame in a browser, or after a timeout. */
export type Scheduler = (flush: () => void) => void;

/**
 * Collects live events and hands them over in one batch per frame, so a burst of 1,000
 * messages a second costs ~60 renders, not 1,000. A queue that grows past `max` (a tab in the
 * background, no frames) is dropped for a resync instead of growing without bound.
 */
export class Batcher<T> {
  #queue: T[] = [];
  #scheduled = false;
  #overflowed = false;

  constructor(
    private readonly deliver: (batch: T[]) => void,
    private readonly schedule: Scheduler,
    private readonly onOverflow: () => void,
    private readonly max = 20_000,
  ) {}

  get pending(): number {
    return this.#queue.length;
  }

  push(item: T): void {
    if (this.#overflowed) return;
    this.#queue.push(item);
    if (this.#queue.length > this.max) {
      this.#queue = [];
      this.#overflowed = true;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.schedule(() => this.flush());
    }
  }

  /** Drops what is queued (a resync is about to reload everything). */
  clear(): void {
    this.#queue = [];
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#overflowed) {
      this.#overflowed = false;
      this.onOverflow();
      return;
    }
    if (!this.#queue.length) return;
    const batch = this.#queue;
    this.#queue = [];
    this.deliver(batch);
  }
}

/** The browser scheduler: whichever comes first of an animation frame and `fallbackMs`. */
export function frameScheduler(
  raf: (callback: () => void) => unknown,
  setTimer: (callback: () => void, ms: number) => unknown,
  fallbackMs = 100,
): Scheduler {
  return (flush) => {
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      flush();
    };
    raf(run);
    setTimer(run, fallbackMs);
  };
}
