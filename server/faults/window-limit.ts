import { isoTime, ordinal, secondsLeft } from './format.js';
import { describeKey } from './limit-keys.js';
import type { CounterState, LimitHit, LimitOf } from './limit-runtime.js';
import { createWindowCounter, type WindowCounter } from './window-counter.js';

type WindowedLimit = LimitOf<'messages'> | LimitOf<'connections'>;

/**
 * What `messages` and `connections` limits share: a count per key per window, refused once
 * the window is full, with the reset time in the reason and `{seconds}` for the reply text
 * (SES and Odoo say when the quota comes back).
 */
export abstract class WindowLimit<L extends WindowedLimit> {
  protected readonly counter: WindowCounter;

  constructor(readonly limit: L) {
    this.counter = createWindowCounter(limit.window);
  }

  /**
   * The refusal when `wanted` more `noun`s under `key` would pass max (messages want 1, a
   * recipient quota every recipient of the message), or undefined while the window has room.
   */
  protected hit(key: string, now: number, noun: string, wanted = 1): LimitHit | undefined {
    const count = this.counter.count(key, now);
    if (count + wanted <= this.limit.max) return undefined;
    const { nextReset } = this.counter.snapshot(key, now);
    const what = wanted === 1 ? `${ordinal(count + 1)} ${noun}` : `${wanted} ${noun}s would make ${count + wanted}`;
    return {
      reply: this.limit.reply,
      reason:
        `limit '${this.limit.name}': ${what} ${describeKey(this.limit.key, key)} ` +
        `(max ${this.limit.max}, ${this.counter.describe} ${isoTime(nextReset)})`,
      extra: nextReset === null ? {} : { seconds: String(secondsLeft(now, nextReset)) },
    };
  }

  protected snapshots(keys: Iterable<string>, now: number): CounterState[] {
    const { name, kind, max } = this.limit;
    return [...keys].map((key) => ({ limit: name, kind, key, max, ...this.counter.snapshot(key, now) }));
  }

  reset(): void {
    this.counter.clear();
  }
}
