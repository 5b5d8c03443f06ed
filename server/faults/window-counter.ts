import { durationMs } from './duration-ms.js';
import { fixedWindowAt, type FixedWindowSpec, type WindowBounds } from './fixed-window.js';
import type { WindowSpec } from './schema.js';

export interface CounterSnapshot {
  count: number;
  windowStart: number | null;
  nextReset: number | null;
}

/** Events per key inside a window: the state behind `messages` and `connections` limits. */
export interface WindowCounter {
  readonly describe: string;
  count(key: string, now: number): number;
  /** Counts `amount` events at `now` (a message to 3 recipients is 3 for a recipient quota). */
  add(key: string, now: number, amount?: number): void;
  snapshot(key: string, now: number): CounterSnapshot;
  keys(): string[];
  clear(): void;
}

export function createWindowCounter(window: WindowSpec): WindowCounter {
  return 'rolling' in window
    ? new RollingCounter(durationMs(window.rolling))
    : new FixedCounter({ lengthMs: durationMs(window.fixed), resetAt: window.resetAt, timeZone: window.timeZone });
}

/** Aligned windows: the count starts again from zero at every boundary. */
class FixedCounter implements WindowCounter {
  private readonly counts = new Map<string, { window: WindowBounds; count: number }>();
  private cached: WindowBounds = { start: 0, end: 0 };

  constructor(private readonly spec: FixedWindowSpec) {}

  get describe(): string {
    return 'window resets';
  }

  /** Computing a boundary asks Intl several times; most calls fall into the window of the last one. */
  private windowAt(now: number): WindowBounds {
    if (now < this.cached.start || now >= this.cached.end) this.cached = fixedWindowAt(now, this.spec);
    return this.cached;
  }

  count(key: string, now: number): number {
    const entry = this.counts.get(key);
    return entry && now >= entry.window.start && now < entry.window.end ? entry.count : 0;
  }

  add(key: string, now: number, amount = 1): void {
    const window = this.windowAt(now);
    const entry = this.counts.get(key);
    if (entry && entry.window.start === window.start) entry.count += amount;
    else this.counts.set(key, { window, count: amount });
  }

  snapshot(key: string, now: number): CounterSnapshot {
    const window = this.windowAt(now);
    return { count: this.count(key, now), windowStart: window.start, nextReset: window.end };
  }

  keys(): string[] {
    return [...this.counts.keys()];
  }

  clear(): void {
    this.counts.clear();
  }
}

/** A sliding window: events in (now − length, now]. */
class RollingCounter implements WindowCounter {
  private readonly events = new Map<string, number[]>();

  constructor(private readonly lengthMs: number) {}

  get describe(): string {
    return 'oldest counted leaves the window';
  }

  /** Timestamps kept sorted; those that left the window for good are dropped (a clock moved back does not resurrect them). */
  private live(key: string, now: number): number[] {
    const times = this.events.get(key) ?? [];
    const expired = countAtMost(times, now - this.lengthMs);
    if (expired > 0) times.splice(0, expired);
    return times;
  }

  count(key: string, now: number): number {
    const times = this.live(key, now);
    return countAtMost(times, now);
  }

  add(key: string, now: number, amount = 1): void {
    const times = this.live(key, now);
    times.splice(countAtMost(times, now), 0, ...Array<number>(amount).fill(now));
    this.events.set(key, times);
  }

  snapshot(key: string, now: number): CounterSnapshot {
    const count = this.count(key, now);
    const oldest = this.events.get(key)?.[0];
    return { count, windowStart: now - this.lengthMs, nextReset: count > 0 && oldest !== undefined ? oldest + this.lengthMs : null };
  }

  keys(): string[] {
    return [...this.events.keys()];
  }

  clear(): void {
    this.events.clear();
  }
}

/** How many elements of an ascending array are ≤ value. */
function countAtMost(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
