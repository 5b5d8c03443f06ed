import type { FaultContext } from './context.js';
import { durationMs } from './duration-ms.js';
import { secondsLeft } from './format.js';
import { clientNetwork } from './ip-address.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime } from './limit-runtime.js';

interface Triple {
  firstSeen: number;
  attempts: number;
  /** Last time the triple got through; from then on it is let through until `forget` passes. */
  passedAt?: number;
}

/**
 * postgrey's greylisting: the first RCPT of a (client network, sender, recipient) triple is
 * deferred, retries younger than `delay` are deferred again, later ones pass and keep passing.
 * A triple not seen for `forget` (postgrey `--max-age`, 35 days) starts over.
 */
export class GreylistLimit implements LimitRuntime {
  private readonly triples = new Map<string, Triple>();
  private readonly delayMs: number;
  private readonly forgetMs: number;

  constructor(readonly limit: LimitOf<'greylist'>) {
    this.delayMs = durationMs(limit.delay);
    this.forgetMs = durationMs(limit.forget);
  }

  check(ctx: FaultContext, now: number): LimitHit | undefined {
    if (ctx.phase !== 'rcpt' || ctx.recipient === undefined) return undefined;
    const key = this.tripleOf(ctx);
    const known = this.triples.get(key);
    const triple = known && !this.forgotten(known, now) ? known : { firstSeen: now, attempts: 0 };
    this.triples.set(key, triple);
    triple.attempts += 1;
    if (triple.passedAt !== undefined || now - triple.firstSeen >= this.delayMs) {
      triple.passedAt = now;
      return undefined;
    }
    const seconds = secondsLeft(now, triple.firstSeen + this.delayMs);
    const why = triple.attempts === 1 ? 'first attempt' : `retry too early (attempt ${triple.attempts})`;
    return {
      reply: this.limit.reply,
      reason: `limit '${this.limit.name}': ${why} for ${key}, ${seconds}s left of the greylisting delay`,
      extra: { seconds: String(seconds) },
    };
  }

  private tripleOf(ctx: FaultContext): string {
    const client = clientNetwork(ctx.session.clientAddress, this.limit.clientPrefix);
    return [client, `<${(ctx.sender ?? '').toLowerCase()}>`, `<${(ctx.recipient ?? '').toLowerCase()}>`].join(' ');
  }

  private forgotten(triple: Triple, now: number): boolean {
    return now - (triple.passedAt ?? triple.firstSeen) >= this.forgetMs;
  }

  /** One entry per remembered triple: attempts so far; nextReset is when it passes, or, once passed, when it is forgotten. */
  counters(now: number): CounterState[] {
    return [...this.triples]
      .filter(([, triple]) => !this.forgotten(triple, now))
      .map(([key, triple]) => ({
        limit: this.limit.name,
        kind: 'greylist',
        key,
        count: triple.attempts,
        max: 0,
        windowStart: triple.firstSeen,
        nextReset: triple.passedAt === undefined ? triple.firstSeen + this.delayMs : triple.passedAt + this.forgetMs,
      }));
  }

  reset(): void {
    this.triples.clear();
  }
}
