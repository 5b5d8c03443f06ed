import type { Decision, Fired, Verdict } from './decision.js';
import { WAIT_BOUND } from './schema-fields.js';
import { catalogueExplanation } from './status-catalogue.js';

type Tarpit = { bytesPerSecond: number };

/** What one rule, check, limit, one-shot or chaos trigger adds to a decision. */
export interface Contribution {
  fired: Fired;
  delayMs: number;
  /** A terminal verdict: evaluation stops here. Absent for delay- or tarpit-only actions. */
  verdict?: Verdict;
  /** A tarpit without a reply: drips whichever reply ends up being sent. */
  tarpit?: Tarpit;
}

/**
 * Folds contributions in evaluation order: delays add up (to at most a day, WAIT_BOUND), the first terminal verdict wins and
 * settles the decision, a free-standing tarpit applies to the reply that is finally sent.
 */
export class DecisionBuilder {
  private delayMs = 0;
  private readonly fired: Fired[] = [];
  private verdict: Verdict | undefined;
  /** Index in `fired` of the contribution whose verdict won. */
  private settledBy = -1;
  private tarpit: Tarpit | undefined;
  private readonly headers: string[] = [];

  get settled(): boolean {
    return this.verdict !== undefined;
  }

  /** The terminal verdict so far, if any. */
  get current(): Verdict | undefined {
    return this.verdict;
  }

  add(contribution: Contribution): void {
    this.fired.push(contribution.fired);
    this.delayMs += contribution.delayMs;
    this.tarpit ??= contribution.tarpit;
    if (this.verdict === undefined && contribution.verdict !== undefined) this.settledBy = this.fired.length - 1;
    this.verdict ??= contribution.verdict;
  }

  /** A header line for the stored message; only sent when the message is (a continue verdict at data-end). */
  addHeader(line: string): void {
    this.headers.push(line);
  }

  build(): Decision {
    let verdict: Verdict = this.verdict ?? { kind: 'continue' };
    if (this.tarpit && (verdict.kind === 'continue' || verdict.kind === 'reply') && !verdict.tarpit) {
      verdict = { ...verdict, tarpit: this.tarpit };
    }
    // Each delay is bounded at validation; their sum is bounded here, by the same rule.
    const fired = [...this.fired];
    const settler = fired[this.settledBy];
    // A refusal always says why: the fault's own explanation, else what its code means (status-catalogue.ts).
    if (settler && !settler.explanation && verdict.kind === 'reply' && verdict.reply.code >= 400) {
      const explanation = catalogueExplanation(verdict.reply);
      if (explanation) fired[this.settledBy] = { ...settler, explanation };
    }
    const headers = verdict.kind === 'continue' && this.headers.length > 0 ? { prependHeaders: [...this.headers] } : {};
    return { delayMs: Math.min(this.delayMs, WAIT_BOUND.maxMs), verdict, fired, ...headers };
  }
}
