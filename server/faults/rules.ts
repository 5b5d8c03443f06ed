import { actionContribution } from './action.js';
import type { FaultContext } from './context.js';
import type { Contribution } from './decision-builder.js';
import { normaliseAddress } from './ip-address.js';
import type { Rule } from './schema.js';
import { RuleSelector, type SelectedEvent } from './select.js';
import { compileWhen, type WhenTest } from './when.js';

/** What the event was about, for a reason a person can read in the transcript. */
export function describeEvent(ctx: FaultContext): string {
  const { session } = ctx;
  switch (ctx.phase) {
    case 'connect':
      return `connect from ${normaliseAddress(session.clientAddress)}`;
    case 'helo':
      return `helo ${session.helo}`;
    case 'auth':
      return `auth ${ctx.auth?.user ?? session.user}`;
    case 'mail':
      return `mail <${ctx.sender ?? ''}>`;
    case 'rcpt':
      return `rcpt ${ctx.recipient ?? ''}`;
    case 'data-start':
    case 'data-end':
      return `${ctx.phase} <${ctx.sender ?? ''}> to ${ctx.recipients.join(', ') || 'nobody'}`;
    default:
      return ctx.phase;
  }
}

/** What the engine asks of a rule. */
export interface RuleRuntime {
  readonly name: string;
  evaluate(ctx: FaultContext, now: number, render: (text: string) => string): Contribution | undefined;
  reset(): void;
}

export function ruleName(rule: Rule, index: number): string {
  return rule.name ?? `#${index + 1}`;
}

/** A rule whose matchers could not be compiled (a scenario that skipped validation): see contained.ts. */
export function brokenRule(rule: Rule, index: number, error: unknown): RuleRuntime {
  return {
    name: ruleName(rule, index),
    // Said once per event of its phase, where it would have been evaluated.
    evaluate: (ctx) => {
      if (ctx.phase !== rule.when?.phase) return undefined;
      throw error;
    },
    reset: () => {},
  };
}

/** A scenario rule with its matchers compiled and its selection state. */
export class CompiledRule implements RuleRuntime {
  readonly name: string;
  private readonly test: WhenTest;
  private readonly selector: RuleSelector;

  constructor(
    readonly rule: Rule,
    index: number,
    seed: number,
  ) {
    this.name = ruleName(rule, index);
    this.test = compileWhen(rule.when);
    this.selector = new RuleSelector(rule.select, seed, index);
  }

  evaluate(ctx: FaultContext, now: number, render: (text: string) => string): Contribution | undefined {
    if (!this.test(ctx)) return undefined;
    const selection = this.selector.pick(ctx, now);
    if (!selection) return undefined;
    const reason = `rule '${this.name}' matched ${describeEvent(ctx)} (${this.details(selection)})`;
    const fired = { source: 'rule' as const, name: this.name, phase: ctx.phase, reason, ...(this.rule.explain && { explanation: this.rule.explain }) };
    return actionContribution(this.rule.action, fired, render);
  }

  private details({ event, key }: SelectedEvent): string {
    const { per, probability, window } = this.rule.select;
    const parts = [`event ${event}`];
    if (per !== undefined && per !== 'global') parts.push(`per ${per} ${key}`);
    if (probability !== undefined) parts.push(`probability ${probability}`);
    if (window) parts.push(`window ${window.from}-${window.to} ${window.timeZone}`);
    return parts.join(', ');
  }

  reset(): void {
    this.selector.reset();
  }
}
