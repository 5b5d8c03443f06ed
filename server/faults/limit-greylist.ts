import type { FaultContext } from './context.js';
import { durationMs } from './duration-ms.js';
import { secondsLeft } from './format.js';
import { greylistSender } from './greylist-sender.js';
import { clientNetwork, normaliseAddress } from './ip-address.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime, TraceHeader } from './limit-runtime.js';

interface Triple {
  first: number;
  last: number;
  attempts: number;
}

/** A client address's successful greylisting retries, counted at most once an hour, as postgrey does. */
interface Client {
  passes: number;
  last: number;
}

const HOUR_MS = 3_600_000;

/**
 * postgrey's greylisting (schweikert/postgrey): an RCPT from a new (client network, sender,
 * recipient) triple is deferred; retries younger than `delay` are deferred again; the first
 * retry after it passes, and the triple keeps passing while it is seen within `forget` (postgrey
 * `--max-age`). A triple still waiting whose first retry comes later than `retryWindow` starts
 * over. A client whose triples passed `autoWhitelist` times (one per hour at most) is not
 * greylisted any more. The message a triple first passed with gets the `header` (X-Greylist).
 */
export class GreylistLimit implements LimitRuntime {
  private readonly triples = new Map<string, Triple>();
  private readonly clients = new Map<string, Client>();
  /** Per session: the delay of the first triple of its open transaction that passed after waiting. */
  private readonly delayed = new Map<string, number>();
  private readonly delayMs: number;
  private readonly forgetMs: number;
  private readonly retryWindowMs: number;

  constructor(readonly limit: LimitOf<'greylist'>) {
    this.delayMs = durationMs(limit.delay);
    this.forgetMs = durationMs(limit.forget);
    this.retryWindowMs = durationMs(limit.retryWindow);
  }

  check(ctx: FaultContext, now: number): LimitHit | undefined {
    if (ctx.phase !== 'rcpt' || ctx.recipient === undefined) return undefined;
    if (this.whitelisted(ctx.session.clientAddress, now)) return undefined;
    const key = this.tripleOf(ctx);
    const known = this.triples.get(key);
    const live = known && now - known.last < this.forgetMs ? known : undefined;
    const passedBefore = live !== undefined && live.last - live.first >= this.delayMs;
    let first = live?.first ?? now;
    let restarted = false;
    if (live && !passedBefore && now - first > this.retryWindowMs) {
      first = now;
      restarted = true;
    }
    first = Math.min(first, now);
    const triple = { first, last: now, attempts: restarted ? 1 : (live?.attempts ?? 0) + 1 };
    this.triples.set(key, triple);
    if (now - first >= this.delayMs) {
      if (!passedBefore) this.passed(ctx, now, now - first);
      return undefined;
    }
    const seconds = secondsLeft(now, first + this.delayMs);
    const why = restarted
      ? `retry after the ${this.limit.retryWindow} retry window, the delay starts again`
      : triple.attempts === 1
        ? 'first attempt'
        : `retry too early (attempt ${triple.attempts})`;
    return {
      reply: this.limit.reply,
      reason: `limit '${this.limit.name}': ${why} for ${key}, ${seconds}s left of the greylisting delay`,
      extra: { seconds: String(seconds) },
      explanation: {
        cause: `Greylisting: the server defers mail from a client, sender and recipient it has not seen before, and accepts a retry after ${this.limit.delay} (${seconds}s to go). Nothing is wrong with the message.`,
        advice: 'Keep the message queued and retry after the delay, as an MTA does; do not treat this 4xx as a failure, and keep the envelope sender stable between retries.',
      },
    };
  }

  /** A triple got through after waiting: one more pass for the client's auto-whitelist, and the header for the message. */
  private passed(ctx: FaultContext, now: number, waitedMs: number): void {
    if (!this.delayed.has(ctx.session.id)) this.delayed.set(ctx.session.id, waitedMs);
    if (this.limit.autoWhitelist === 0) return;
    const address = normaliseAddress(ctx.session.clientAddress);
    const client = this.clients.get(address);
    if (client && now < client.last + HOUR_MS) return;
    this.clients.set(address, { passes: (client?.passes ?? 0) + 1, last: now });
  }

  private whitelisted(clientAddress: string, now: number): boolean {
    if (this.limit.autoWhitelist === 0) return false;
    const address = normaliseAddress(clientAddress);
    const client = this.clients.get(address);
    if (!client || now - client.last >= this.forgetMs) return false;
    if (client.passes < this.limit.autoWhitelist) return false;
    if (now >= client.last + HOUR_MS) client.last = now;
    return true;
  }

  /** postgrey keys on the client network, the normalised sender and the recipient, lower-cased. */
  private tripleOf(ctx: FaultContext): string {
    const client = clientNetwork(ctx.session.clientAddress, this.limit.clientPrefix);
    return [client, `<${greylistSender(ctx.sender ?? '')}>`, `<${(ctx.recipient ?? '').toLowerCase()}>`].join(' ');
  }

  /** The X-Greylist header for the message whose triple waited, once per message (postgrey prepends one per message, not per recipient). */
  traceHeader(ctx: FaultContext): TraceHeader | undefined {
    const waited = this.delayed.get(ctx.session.id);
    if (waited === undefined || this.limit.header === false) return undefined;
    this.delayed.delete(ctx.session.id);
    return { template: this.limit.header, extra: { delay: String(Math.round(waited / 1000)) } };
  }

  release(sessionId: string): void {
    this.delayed.delete(sessionId);
  }

  /**
   * One entry per remembered triple (attempts so far; nextReset is when it passes, or, once
   * passed, when it is forgotten) and one per client on its way to the auto-whitelist.
   */
  counters(now: number): CounterState[] {
    const triples = [...this.triples]
      .filter(([, triple]) => now - triple.last < this.forgetMs)
      .map(([key, triple]): CounterState => {
        const passed = triple.last - triple.first >= this.delayMs;
        return { limit: this.limit.name, kind: 'greylist', key, count: triple.attempts, max: 0, windowStart: triple.first, nextReset: passed ? triple.last + this.forgetMs : triple.first + this.delayMs };
      });
    const clients = [...this.clients]
      .filter(([, client]) => now - client.last < this.forgetMs)
      .map(([address, client]): CounterState => ({
        limit: this.limit.name,
        kind: 'greylist',
        key: `auto-whitelist ${address}`,
        count: client.passes,
        max: this.limit.autoWhitelist,
        windowStart: null,
        nextReset: client.last + this.forgetMs,
      }));
    return [...triples, ...clients];
  }

  reset(): void {
    this.triples.clear();
    this.clients.clear();
    this.delayed.clear();
  }
}
