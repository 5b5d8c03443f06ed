import type { FaultContext } from './context.js';
import type { CounterState, LimitHit, LimitOf, LimitRuntime } from './limit-runtime.js';

/**
 * Recipients per message. The RCPT past the limit gets the reply; RFC 5321 §4.5.3.1.10 says 452
 * (clients then send the rest in another transaction), Postfix answers `452 4.5.3 Error: too
 * many recipients`. Stateless: the transaction's own recipient list is the counter.
 */
export class RecipientsLimit implements LimitRuntime {
  constructor(readonly limit: LimitOf<'recipients'>) {}

  check(ctx: FaultContext): LimitHit | undefined {
    if (ctx.phase !== 'rcpt' || ctx.recipients.length < this.limit.max) return undefined;
    return {
      reply: this.limit.reply,
      reason: `limit '${this.limit.name}': recipient ${ctx.recipients.length + 1} of one message (max ${this.limit.max})`,
      explanation: { cause: `The server accepts at most ${this.limit.max} recipients per message.`, advice: 'Split the recipients over several messages (or use Bcc batches of at most that many).' },
    };
  }

  counters(): CounterState[] {
    return [];
  }

  reset(): void {}
}
