import { z } from 'zod';
import { actionContribution } from './action.js';
import type { FaultContext } from './context.js';
import type { Contribution } from './decision-builder.js';
import { describeEvent } from './rules.js';
import { actionSchema, whenSchema, type Action, type When } from './schema.js';
import { compileWhen, type WhenTest } from './when.js';

/** The body the API accepts for a one-shot fault ("the next 3 messages to x@y get 421 4.7.0"). */
export const oneShotSchema = z
  .object({
    when: whenSchema,
    count: z.number().int().positive().default(1).describe('how many matching events get the action'),
    action: actionSchema,
    scenario: z.string().min(1).optional().describe('only while this scenario is active; any scenario if omitted'),
  })
  .strict();
export type OneShotInput = z.infer<typeof oneShotSchema>;

export interface OneShotFault extends OneShotInput {
  id: string;
  remaining: number;
}

/**
 * Faults armed at run time for the next N matching events, then spent. Spent faults stay
 * listed (remaining 0) so a test can assert they were used, until removed or cleared.
 */
export class OneShotFaults {
  private faults: (OneShotFault & { test: WhenTest })[] = [];
  private nextId = 1;

  add(input: { when: When; count: number; action: Action; scenario?: string }): string {
    if (!Number.isInteger(input.count) || input.count < 1) throw new RangeError(`count must be a positive integer, got ${input.count}`);
    const id = `oneshot-${this.nextId++}`;
    this.faults.push({ ...input, id, remaining: input.count, test: compileWhen(input.when) });
    return id;
  }

  list(): OneShotFault[] {
    return this.faults.map(({ test: _test, ...fault }) => ({ ...fault }));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }

  /** The first armed fault that matches fires and is used up by one. */
  take(ctx: FaultContext, scenarioName: string, render: (text: string) => string = (text) => text): Contribution | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && (f.scenario === undefined || f.scenario === scenarioName) && f.test(ctx));
    if (!fault) return undefined;
    fault.remaining -= 1;
    const used = fault.count - fault.remaining;
    const reason = `one-shot ${fault.id} matched ${describeEvent(ctx)} (${used} of ${fault.count}, ${fault.remaining} left)`;
    return actionContribution(fault.action, { source: 'one-shot', name: fault.id, phase: ctx.phase, reason }, render);
  }
}
