import { z } from 'zod';
import type { Phase } from '../schema.js';
import type { BouncePlan } from './bounce.js';

/**
 * Which recipients an after-acceptance action is about: a glob ("*@bounce.example", "?" one
 * character, case-insensitive) or a list of them, all of the message's recipients when absent.
 */
export function recipientGlobs(which: string) {
  return z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe(`which recipients ${which}: a glob ("*@bounce.example", "?" one character, case-insensitive) or a list of them; all of the message's recipients when absent`);
}

/** A recipientGlobs value as the plan carries it: a list, or undefined for every recipient. */
export function globList(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

/**
 * What the actions that answer 250 as normal and settle the message's fate later (bounce, drop)
 * share: `true` or their settings object, terminal, meaningful where a message is accepted
 * (RCPT, end of DATA), and a verdict that continues with a plan the bounce scheduler carries out.
 * `true` takes every default of the object.
 */
export function afterAccept<Settings extends z.ZodType>(settings: Settings, description: string, plan: (value: z.output<Settings>) => BouncePlan) {
  return {
    schema: z.union([z.literal(true), settings]).describe(description),
    terminal: true,
    phases: ['rcpt', 'data-end'] as readonly Phase[],
    effect: (value: true | z.output<Settings>) => ({ verdict: { kind: 'continue' as const, bounce: plan(value === true ? settings.parse({}) : value) } }),
  };
}
