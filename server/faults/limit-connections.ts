import type { FaultContext, SessionView } from './context.js';
import { isoTime, ordinal, secondsLeft } from './format.js';
import { describeKey, keyFor } from './limit-keys.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime } from './limit-runtime.js';
import { createWindowCounter, type WindowCounter } from './window-counter.js';

/**
 * Connection attempts per key per window (Postfix anvil's `421 4.7.0 … too many connections`).
 * Every attempt counts, refused ones included, as it does for a real rate limiter; the attempt
 * that reaches the count is refused, the ones before it are not.
 */
export class ConnectionsLimit implements LimitRuntime {
  private readonly counter: WindowCounter;

  constructor(readonly limit: LimitOf<'connections'>) {
    this.counter = createWindowCounter(limit.window);
  }

  check(ctx: FaultContext, now: number): LimitHit | undefined {
    if (ctx.phase !== 'connect') return undefined;
    const key = keyFor(this.limit.key, { clientAddress: ctx.session.clientAddress, user: '' }) as string;
    const count = this.counter.count(key, now);
    if (count < this.limit.max) return undefined;
    const { nextReset } = this.counter.snapshot(key, now);
    return {
      reply: this.limit.reply,
      reason:
        `limit '${this.limit.name}': ${ordinal(count + 1)} connection ${describeKey(this.limit.key, key)} ` +
        `(max ${this.limit.max}, ${this.counter.describe} ${isoTime(nextReset)})`,
      extra: nextReset === null ? {} : { seconds: String(secondsLeft(now, nextReset)) },
    };
  }

  opened(session: SessionView, now: number): void {
    this.counter.add(keyFor(this.limit.key, { clientAddress: session.clientAddress, user: '' }) as string, now);
  }

  counters(now: number): CounterState[] {
    return this.counter.keys().map((key) => ({ limit: this.limit.name, kind: 'connections', key, max: this.limit.max, ...this.counter.snapshot(key, now) }));
  }

  reset(): void {
    this.counter.clear();
  }
}
