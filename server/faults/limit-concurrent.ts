import type { FaultContext } from './context.js';
import { plural } from './format.js';
import { describeKey, keyFor, keySourceOf } from './limit-keys.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime } from './limit-runtime.js';
import type { OpenSessions } from './open-sessions.js';

/**
 * Open connections per key. Microsoft 365 enforces its per-mailbox limit at the end of DATA
 * (`432 4.3.2 Concurrent connections limit exceeded`), SES and Exim at connect (`421 Too many
 * concurrent SMTP connections`), so the phase is the limit's choice.
 */
export class ConcurrentLimit implements LimitRuntime {
  constructor(
    readonly limit: LimitOf<'concurrent'>,
    private readonly sessions: OpenSessions,
  ) {}

  check(ctx: FaultContext): LimitHit | undefined {
    if (ctx.phase !== this.limit.phase) return undefined;
    const key = keyFor(this.limit.key, keySourceOf(ctx));
    if (key === undefined) return undefined;
    // Only connections opened before this one count (OpenSessions lists them in opening order):
    // the connection over the limit is refused,
    // the ones already open go on (Microsoft 365's 432 4.3.2, SES's and Exim's 421 at connect).
    const open = this.sessions.list();
    const mine = open.findIndex((s) => s.id === ctx.session.id);
    const others = (mine < 0 ? open : open.slice(0, mine)).filter((s) => keyFor(this.limit.key, s) === key).length;
    if (others < this.limit.max) return undefined;
    return {
      reply: this.limit.reply,
      reason: `limit '${this.limit.name}': ${plural(others, 'other session')} open ${describeKey(this.limit.key, key)} (max ${this.limit.max})`,
      explanation: {
        cause: `The server allows at most ${plural(this.limit.max, 'open connection')} ${describeKey(this.limit.key, key)}, and that many are open.`,
        advice: 'Open fewer connections at once (a smaller pool, e.g. nodemailer maxConnections) and reuse them; retry this message once one closes.',
      },
    };
  }

  counters(): CounterState[] {
    const counts = new Map<string, number>();
    for (const facts of this.sessions.list()) {
      const key = keyFor(this.limit.key, facts);
      if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (this.limit.key === 'global' && !counts.has('*')) counts.set('*', 0);
    return [...counts].map(([key, count]) => ({ limit: this.limit.name, kind: 'concurrent', key, count, max: this.limit.max, windowStart: null, nextReset: null }));
  }

  reset(): void {}
}
