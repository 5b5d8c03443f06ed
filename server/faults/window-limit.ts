import { isoTime, ordinal, secondsLeft } from './format.js';
import { describeKey } from './limit-keys.js';
import type { CounterState, LimitHit, LimitOf } from './limit-runtime.js';
import type { WindowSpec } from './schema.js';
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
   * The refusal when this transaction's `wanted` `noun`s under `key` would pass max (a message
   * wants 1, a recipient quota every recipient of the message), or undefined while the window
   * has room. `held` is what other sessions' transactions hold there and may still store;
   * `where` names the key ("for user a@b").
   */
  protected hit(key: string, now: number, noun: string, { wanted = 1, held = 0, where = describeKey(this.limit.key, key) } = {}): LimitHit | undefined {
    const count = this.counter.count(key, now);
    if (count + held + wanted <= this.limit.max) return undefined;
    const { nextReset } = this.counter.snapshot(key, now);
    const what = wanted === 1 ? `${ordinal(count + held + 1)} ${noun}` : `${wanted} ${noun}s would make ${count + held + wanted}`;
    const inFlight = held > 0 ? `, ${held} held by messages not stored yet` : '';
    return {
      reply: this.limit.reply,
      reason:
        `limit '${this.limit.name}': ${what} ${where} ` +
        `(max ${this.limit.max}${inFlight}, ${this.counter.describe} ${isoTime(nextReset)})`,
      extra: nextReset === null ? {} : { seconds: String(secondsLeft(now, nextReset)) },
      explanation: {
        cause: `The limit '${this.limit.name}' allows ${this.limit.max} ${noun}s ${describeWindow(this.limit.window)} ${where}, and they are used up.`,
        advice:
          nextReset === null
            ? 'Send fewer, or spread them out over time.'
            : `Room comes back at ${isoTime(nextReset)}: wait until then, or send fewer and spread them out.`,
      },
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

function describeWindow(window: WindowSpec): string {
  if ('rolling' in window) return `in any ${window.rolling}`;
  return `per ${window.fixed} window${window.resetAt ? ` starting at ${window.resetAt} ${window.timeZone}` : ''}`;
}
