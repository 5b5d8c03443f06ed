import type { FaultContext } from './context.js';
import { keyFor, keySourceOf } from './limit-keys.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime } from './limit-runtime.js';
import { Reservations } from './reservations.js';
import { WindowLimit } from './window-limit.js';

/**
 * Messages per key per window: Gmail's 500/day (550 5.4.5 in reply to DATA), SES's daily quota
 * (454 at end of DATA), Odoo Online's daily limit resetting at 23:00 UTC. Refused at the limit's
 * phase once the window is full; room is held from the check on (reservations.ts) and counted
 * when the message is stored. `count: recipients` counts each recipient instead: SES's quotas are
 * "the maximum number of recipients that you can send email to"
 * (https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html).
 */
export class MessagesLimit extends WindowLimit<LimitOf<'messages'>> implements LimitRuntime {
  private readonly reservations = new Reservations();

  check(ctx: FaultContext, now: number): LimitHit | undefined {
    if (ctx.phase !== this.limit.phase) return undefined;
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    if (key === undefined) return undefined;
    const id = ctx.session.id;
    const wanted = this.wanted(ctx);
    // This transaction already holds its room (a second RCPT of the message): it keeps it.
    if (this.reservations.own(id, key) >= wanted) return undefined;
    return this.hit(key, now, this.limit.count === 'recipients' ? 'recipient' : 'message', wanted, this.reservations.othersHold(id, key));
  }

  /** What this transaction needs in all: 1 message, or its recipients (at RCPT, including the one being added). */
  private wanted(ctx: FaultContext): number {
    if (this.limit.count === 'messages') return 1;
    return ctx.phase === 'rcpt' ? ctx.recipients.length + 1 : Math.max(1, ctx.recipients.length);
  }

  reserve(ctx: FaultContext): void {
    if (ctx.phase !== this.limit.phase) return;
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    if (key !== undefined) this.reservations.hold(ctx.session.id, key, this.wanted(ctx));
  }

  release(sessionId: string): void {
    this.reservations.take(sessionId);
  }

  delivered(ctx: FaultContext, now: number): string | undefined {
    this.reservations.take(ctx.session.id);
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    if (key !== undefined) this.counter.add(key, now, this.limit.count === 'recipients' ? Math.max(1, ctx.recipients.length) : 1);
    return undefined;
  }

  counters(now: number): CounterState[] {
    const keys = new Set(this.counter.keys());
    // A global quota shows in GET /api/v1/counters before its first message, as "0 of max".
    if (this.limit.key === 'global') keys.add('*');
    return this.snapshots(keys, now);
  }

  override reset(): void {
    super.reset();
    this.reservations.clear();
  }
}
