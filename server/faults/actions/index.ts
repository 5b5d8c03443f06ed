import { z } from 'zod';
import { accept } from './accept.js';
import type { Phase } from '../schema.js';
import type { ActionModule } from './action-module.js';
import { blackhole } from './blackhole.js';
import { bounce } from './bounce.js';
import { delay } from './delay.js';
import { disconnect } from './disconnect.js';
import { drop } from './drop.js';
import { lostReply } from './lost-reply.js';
import { reply } from './reply.js';
import { stall } from './stall.js';
import { tarpit } from './tarpit.js';

/**
 * Every fault action, registered by the field name a scenario's `action` uses. To add one,
 * write its module (see action-module.ts) and list it here; the schema, the JSON Schema for
 * editors, validation and the engine all follow from this list.
 */
export const ACTIONS = [delay, reply, stall, disconnect, tarpit, blackhole, accept, lostReply, bounce, drop] as const;

type Registered = (typeof ACTIONS)[number];
type Shape = { [M in Registered as M['name']]: z.ZodOptional<M['schema']> };

const shape = Object.fromEntries(ACTIONS.map((action) => [action.name, action.schema.optional()])) as Shape;
const terminal = ACTIONS.filter((action) => action.terminal).map((action) => action.name);
const names = ACTIONS.map((action) => action.name);

export const actionSchema = z
  .object(shape)
  .strict()
  .refine((a) => terminal.filter((name) => a[name] !== undefined).length <= 1, {
    message: `an action takes at most one of ${terminal.join(', ')} (delay and tarpit go with any)`,
  })
  .refine((a) => Object.values(a).some((v) => v !== undefined), { message: `an action needs at least one of ${names.join(', ')}` });
export type Action = z.infer<typeof actionSchema>;

/** The registered modules of the fields an action sets, in registration order. */
export function modulesOf(action: Action): { module: ActionModule; value: unknown }[] {
  const values = action as Record<string, unknown>;
  return ACTIONS.filter((m) => values[m.name] !== undefined).map((m) => ({ module: m as unknown as ActionModule, value: values[m.name] }));
}

/** An action field used in a phase its module does not act in ("blackhole" at rcpt). */
export function actionPhaseProblem(action: Action, phase: Phase): { field: string; message: string } | undefined {
  for (const { module } of modulesOf(action)) {
    if (module.phases && !module.phases.includes(phase)) {
      return { field: module.name, message: `${module.name} only acts in ${module.phases.join(', ')}, not in ${phase}` };
    }
  }
  return undefined;
}
