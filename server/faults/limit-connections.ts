import type { FaultContext, SessionView } from './context.js';
import { keyFor } from './limit-keys.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime } from './limit-runtime.js';
import { WindowLimit } from './window-limit.js';

/**
 * Connection attempts per key per window (Postfix anvil's `421 4.7.0 … too many connections`).
 * Every attempt counts, refused ones included, as it does for a real rate limiter; the attempt
 * that reaches the count is refused, the ones before it are not.
 */
export class ConnectionsLimit extends WindowLimit<LimitOf<'connections'>> implements LimitRuntime {
  check(ctx: FaultContext, now: number): LimitHit | undefined {
    if (ctx.phase !== 'connect') return undefined;
    return this.hit(keyOf(this.limit, ctx.session), now, 'connection');
  }

  opened(session: SessionView, now: number): void {
    this.counter.add(keyOf(this.limit, session), now);
  }

  counters(now: number): CounterState[] {
    return this.snapshots(this.counter.keys(), now);
  }
}

/** Connections are counted before any MAIL FROM or AUTH, so only `global` and `client` keys apply. */
function keyOf(limit: LimitOf<'connections'>, session: SessionView): string {
  return keyFor(limit.key, { clientAddress: session.clientAddress, user: '' }) as string;
}
