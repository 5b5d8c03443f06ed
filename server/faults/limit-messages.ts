import type { FaultContext } from './context.js';
import { isoTime, ordinal, secondsLeft } from './format.js';
import { describeKey, keyFor, keySourceOf } from './limit-keys.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime } from './limit-runtime.js';
import { createWindowCounter, type WindowCounter } from './window-counter.js';

/**
 * Messages per key per window: Gmail's 500/day (550 5.4.5 in reply to DATA), SES's daily quota
 * (454 at end of DATA), Odoo Online's daily limit resetting at 23:00 UTC. Counted when a
 * message is stored (`delivered`), refused at the limit's phase once the window is full.
 */
export class MessagesLimit implements LimitRuntime {
  private readonly counter: WindowCounter;

  constructor(readonly limit: LimitOf<'messages'>) {
    this.counter = createWindowCounter(limit.window);
  }

  check(ctx: FaultContext, now: number): LimitHit | undefined {
    if (ctx.phase !== this.limit.phase) return undefined;
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    if (key === undefined) return undefined;
    const count = this.counter.count(key, now);
    if (count < this.limit.max) return undefined;
    const { nextReset } = this.counter.snapshot(key, now);
    return {
      reply: this.limit.reply,
      reason:
        `limit '${this.limit.name}': ${ordinal(count + 1)} message ${describeKey(this.limit.key, key)} ` +
        `(max ${this.limit.max}, ${this.counter.describe} ${isoTime(nextReset)})`,
      extra: nextReset === null ? {} : { seconds: String(secondsLeft(now, nextReset)) },
    };
  }

  delivered(ctx: FaultContext, now: number): void {
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    if (key !== undefined) this.counter.add(key, now);
  }

  counters(now: number): CounterState[] {
    const keys = new Set(this.counter.keys());
    if (this.limit.key === 'global') keys.add('*');
    return [...keys].map((key) => ({ limit: this.limit.name, kind: 'messages', key, max: this.limit.max, ...this.counter.snapshot(key, now) }));
  }

  reset(): void {
    this.counter.clear();
  }
}
