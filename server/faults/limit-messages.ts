import type { FaultContext } from './context.js';
import { keyFor, keySourceOf } from './limit-keys.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime } from './limit-runtime.js';
import { WindowLimit } from './window-limit.js';

/**
 * Messages per key per window: Gmail's 500/day (550 5.4.5 in reply to DATA), SES's daily quota
 * (454 at end of DATA), Odoo Online's daily limit resetting at 23:00 UTC. Counted when a
 * message is stored (`delivered`), refused at the limit's phase once the window is full.
 */
export class MessagesLimit extends WindowLimit<LimitOf<'messages'>> implements LimitRuntime {
  check(ctx: FaultContext, now: number): LimitHit | undefined {
    if (ctx.phase !== this.limit.phase) return undefined;
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    return key === undefined ? undefined : this.hit(key, now, 'message');
  }

  delivered(ctx: FaultContext, now: number): void {
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    if (key !== undefined) this.counter.add(key, now);
  }

  counters(now: number): CounterState[] {
    const keys = new Set(this.counter.keys());
    // A global quota shows in GET /api/v1/counters before its first message, as "0 of max".
    if (this.limit.key === 'global') keys.add('*');
    return this.snapshots(keys, now);
  }
}
