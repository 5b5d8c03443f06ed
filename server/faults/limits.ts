import { ConcurrentLimit } from './limit-concurrent.js';
import { ConnectionsLimit } from './limit-connections.js';
import { GreylistLimit } from './limit-greylist.js';
import { MessagesLimit } from './limit-messages.js';
import { RecipientsLimit } from './limit-recipients.js';
import type { LimitRuntime } from './limit-runtime.js';
import type { OpenSessions } from './open-sessions.js';
import type { Limit } from './schema.js';
import { compileMatch, type WhenTest } from './when.js';

export type { CounterState, LimitHit, LimitRuntime } from './limit-runtime.js';

/** The registry of limit kinds: one small file per kind; `match` narrows any of them. */
export function createLimit(limit: Limit, sessions: OpenSessions): LimitRuntime {
  const runtime = createKind(limit, sessions);
  return limit.match ? restrict(runtime, compileMatch(limit.match)) : runtime;
}

/** A limit that only sees (counts and refuses) the events its `match` accepts. */
function restrict(inner: LimitRuntime, test: WhenTest): LimitRuntime {
  const { opened, reserve, traceHeader, release, delivered } = inner;
  return {
    limit: inner.limit,
    check: (ctx, now) => (test(ctx) ? inner.check(ctx, now) : undefined),
    opened: opened && ((session, now) => (test({ phase: 'connect', session, recipients: [] }) ? opened.call(inner, session, now) : undefined)),
    reserve: reserve && ((ctx, now) => (test(ctx) ? reserve.call(inner, ctx, now) : undefined)),
    traceHeader: traceHeader && ((ctx) => (test(ctx) ? traceHeader.call(inner, ctx) : undefined)),
    // A hold was only taken for a matching event; giving back what is not held is a no-op.
    release: release && ((sessionId) => release.call(inner, sessionId)),
    delivered:
      delivered &&
      ((ctx, now) => {
        if (test(ctx)) return delivered.call(inner, ctx, now);
        release?.call(inner, ctx.session.id);
        return undefined;
      }),
    counters: (now) => inner.counters(now),
    reset: () => inner.reset(),
  };
}

function createKind(limit: Limit, sessions: OpenSessions): LimitRuntime {
  switch (limit.kind) {
    case 'messages':
      return new MessagesLimit(limit);
    case 'recipients':
      return new RecipientsLimit(limit);
    case 'concurrent':
      return new ConcurrentLimit(limit, sessions);
    case 'connections':
      return new ConnectionsLimit(limit);
    case 'greylist':
      return new GreylistLimit(limit);
  }
}
