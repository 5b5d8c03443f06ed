import type { FaultContext } from './context.js';
import { plural } from './format.js';
import { describeResolved, keySourceOf, resolveKey, type ResolvedKey } from './limit-keys.js';
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
    const resolved = this.keyOf(ctx);
    const id = ctx.session.id;
    const wanted = this.wanted(ctx);
    // This transaction already holds its room (a second RCPT of the message): it keeps it.
    if (this.reservations.own(id, resolved.key) >= wanted) return undefined;
    const noun = this.limit.count === 'recipients' ? 'recipient' : 'message';
    return this.hit(resolved.key, now, noun, { wanted, held: this.reservations.othersHold(id, resolved.key), where: describeResolved(resolved) });
  }

  private keyOf(ctx: FaultContext): ResolvedKey {
    return resolveKey(this.limit.key, this.limit.fallback, keySourceOf(ctx));
  }

  /** What this transaction needs in all: 1 message, or its recipients (at RCPT, including the one being added). */
  private wanted(ctx: FaultContext): number {
    if (this.limit.count === 'messages') return 1;
    return ctx.phase === 'rcpt' ? ctx.recipients.length + 1 : Math.max(1, ctx.recipients.length);
  }

  reserve(ctx: FaultContext): void {
    if (ctx.phase === this.limit.phase) this.reservations.hold(ctx.session.id, this.keyOf(ctx).key, this.wanted(ctx));
  }

  release(sessionId: string): void {
    this.reservations.take(sessionId);
  }

  /** Counts the stored message and says, for the transcript, under which key (issue 11: a skipped limit said nothing). */
  delivered(ctx: FaultContext, now: number): string {
    this.reservations.take(ctx.session.id);
    const resolved = this.keyOf(ctx);
    const amount = this.limit.count === 'recipients' ? Math.max(1, ctx.recipients.length) : 1;
    this.counter.add(resolved.key, now, amount);
    const what = this.limit.count === 'recipients' ? plural(amount, 'recipient') : 'the message';
    return `limit '${this.limit.name}' counted ${what} ${describeResolved(resolved)}: ${this.counter.count(resolved.key, now)} of ${this.limit.max}`;
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
