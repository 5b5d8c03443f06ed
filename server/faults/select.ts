import type { FaultContext } from './context.js';
import { normaliseAddress } from './ip-address.js';
import { createRandom, type Random } from './random.js';
import type { Select } from './schema.js';
import { inDailyWindow } from './time-of-day.js';
import { recipientsOf } from './when.js';

/** Which matching event of a rule this is, and what made it count. */
export interface SelectedEvent {
  event: number;
  key: string;
}

export function perKey(per: Select['per'], ctx: FaultContext): string {
  switch (per) {
    case 'session':
      return ctx.session.id;
    case 'sender':
      return (ctx.sender ?? '').toLowerCase();
    case 'recipient':
      return recipientsOf(ctx).join(',').toLowerCase();
    case 'user':
      return ctx.session.user;
    case 'client':
      return normaliseAddress(ctx.session.clientAddress);
    default:
      return '*';
  }
}

function countSelected(select: Select, event: number): boolean {
  if (select.first !== undefined && event > select.first) return false;
  if (select.after !== undefined && event <= select.after) return false;
  if (select.nth !== undefined && event !== select.nth) return false;
  if (select.every !== undefined && event % select.every !== 0) return false;
  return true;
}

/**
 * A rule's `select`: counts the events its `when` matched (per key) and picks some of them.
 * The time window is a gate before counting, so "first: 3" in a 09:00–10:00 window means the
 * first three events inside the window. The probability draw comes last and only for events
 * that passed everything else, from the rule's own stream (seed, rule index).
 */
export class RuleSelector {
  private readonly counts = new Map<string, number>();
  private random: Random;

  constructor(
    private readonly select: Select,
    private readonly seed: number,
    private readonly stream: number,
  ) {
    this.random = createRandom(seed, stream);
  }

  pick(ctx: FaultContext, now: number): SelectedEvent | undefined {
    const { window, probability } = this.select;
    if (window && !inDailyWindow(now, window)) return undefined;
    const key = perKey(this.select.per, ctx);
    const event = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, event);
    if (!countSelected(this.select, event)) return undefined;
    if (probability !== undefined && this.random.next() >= probability) return undefined;
    return { event, key };
  }

  reset(): void {
    this.counts.clear();
    this.random = createRandom(this.seed, this.stream);
  }
}
