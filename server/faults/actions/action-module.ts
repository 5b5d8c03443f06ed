import type { z } from 'zod';
import type { Verdict } from '../decision.js';
import type { Phase } from '../schema.js';

type Tarpit = { bytesPerSecond: number };

/** What one action adds to the decision of the rule (or one-shot fault) that carries it. */
export interface ActionEffect {
  /** Wait this long before the verdict is carried out; the delays of several rules add up. */
  delayMs?: number;
  /** Drip the reply that is finally sent. */
  tarpit?: Tarpit;
  /** A terminal action's verdict: it settles the decision. */
  verdict?: Verdict;
}

/**
 * One fault action, in one file, as Toxiproxy has one file per toxic: the field a scenario's
 * `action` names it by, the zod schema of its value (whose description the JSON Schema for
 * editors carries), what it does in words, and its effect on the engine's decision. The SMTP
 * adapter carries out verdicts, never actions, so an action built from the verdicts that exist
 * (reply, stall, disconnect, blackhole, continue with a tarpit or a withheld reply) needs no
 * change anywhere else: server/faults/actions/index.ts registers it by name.
 */
export interface ActionModule<Name extends string = string, Schema extends z.ZodType = z.ZodType> {
  readonly name: Name;
  readonly schema: Schema;
  /**
   * Terminal actions settle the decision (later rules, persona checks and limits are not
   * consulted); a rule takes at most one. The others (delay, tarpit) go with any.
   */
  readonly terminal: boolean;
  /** The phases the action means something in; every phase when absent. */
  readonly phases?: readonly Phase[];
  /** What the client experiences, in words a QA person trusts (the README's action table). */
  readonly explanation: string;
  effect(value: z.output<Schema>, render: (text: string) => string): ActionEffect;
}

/** Keeps the literal name and the schema's type, so `Action` is inferred field by field. */
export function defineAction<Name extends string, Schema extends z.ZodType>(module: ActionModule<Name, Schema>): ActionModule<Name, Schema> {
  return module;
}
