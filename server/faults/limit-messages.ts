import type { FaultContext } from './context.js';
import { keyFor, keySourceOf } from './limit-keys.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime } from './limit-runtime.js';
import { WindowLimit } from './window-limit.js';

/**
 * Messages per key per window: Gmail's 500/day (550 5.4.5 in reply to DATA), SES's daily quota
 * (454 at end of DATA), Odoo Online's daily limit resetting at 23:00 UTC. Counted when a
 * message is stored (`delivered`), refused at the limit's phase once the window is full.
 * `count: recipients` counts each recipient instead: SES's quotas are "the maximum number of
 * recipients you can send to" (https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html).
 */
export class MessagesLimit extends WindowLimit<LimitOf<'messages'>> implements LimitRuntime {
  check(ctx: FaultContext, now: number): LimitHit | undefined {
    if (ctx.phase !== this.limit.phase) return undefined;
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    if (key === undefined) return undefined;
    return this.limit.count === 'recipients' ? this.hit(key, now, 'recipient', this.recipientsAt(ctx)) : this.hit(key, now, 'message');
  }

  /** At RCPT the one being added; later, every recipient of the message. */
  private recipientsAt(ctx: FaultContext): number {
    return ctx.phase === 'rcpt' ? ctx.recipients.length + 1 : Math.max(1, ctx.recipients.length);
  }

  delivered(ctx: FaultContext, now: number): void {
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    if (key !== undefined) this.counter.add(key, now, this.limit.count === 'recipients' ? Math.max(1, ctx.recipients.length) : 1);
  }

  counters(now: number): CounterState[] {
    const keys = new Set(this.counter.keys());
    // A global quota shows in GET /api/v1/counters before its first message, as "0 of max".
    if (this.limit.key === 'global') keys.add('*');
    return this.snapshots(keys, now);
  }
}
