import { z } from 'zod';
import { DAY_MS, DURATION_TEXT, formatDuration, parseDuration } from '../util/duration.js';
import { isValidTimeZone } from '../util/time-zone.js';
import { regexProblem } from './regex.js';

/**
 * The scenario schema's leaf fields whose validity zod's built-in checks cannot see: regexes
 * RE2 must compile, time zones Intl must know, durations that must be finite and bounded.
 * Checked inside the schema, so a scenario file, an inline upload and a one-shot fault are all
 * refused the same way, with the field's path, before anything runs.
 */

export type DurationInput = number | string;


/** A duration's ceiling and the reason for it, for the error message and the schema description. */
export interface DurationBound {
  maxMs: number;
  why: string;
}

/**
 * The longest a reply may be held back (a rule's `delay`, `auth.failureDelay`). Real clients
 * give up long before: RFC 5321 §4.5.3.2 has them wait 2 to 10 minutes for a reply, so a day
 * already simulates "never answers" (use `stall` for that), and it keeps every wait far below
 * Node's timer limit (2^31 − 1 ms, 24.8 days), beyond which a timer fires after 1 ms instead.
 */
export const WAIT_BOUND: DurationBound = {
  maxMs: DAY_MS,
  why: 'real clients give up after minutes, RFC 5321 §4.5.3.2; use stall for a server that never answers',
};

/**
 * The longest span of scenario-clock time (windows, greylisting delay and memory). These are not
 * timers, only arithmetic on the scenario clock, but a bounded one: epoch milliseconds plus a
 * span stay safe integers, so window boundaries and expiries never round or overflow.
 */
export const SPAN_BOUND: DurationBound = { maxMs: 3650 * DAY_MS, why: 'ten years of scenario-clock time' };

/**
 * Milliseconds or "1h30m". Whatever the bound, the value must come out as a safe integer: a
 * duration is added to epoch milliseconds, and 1e20 weeks would make that sum meaningless.
 */
export function durationSchema(options: { positive?: boolean; bound?: DurationBound; description?: string } = {}) {
  const { positive = false, bound, description } = options;
  return z
    .union([z.number().int().nonnegative(), z.string().regex(DURATION_TEXT, 'a duration such as 250ms, 30s, 5m, 1h30m, 1d')])
    .superRefine((value, ctx) => {
      const ms = typeof value === 'number' ? value : parseDuration(value);
      if (ms === undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is too long a duration to count in milliseconds` });
      else if (positive && ms <= 0) ctx.addIssue({ code: 'custom', message: 'must be longer than zero' });
      else if (bound && ms > bound.maxMs) {
        ctx.addIssue({ code: 'custom', message: `${formatDuration(ms)} is longer than the maximum of ${formatDuration(bound.maxMs)} (${bound.why})` });
      }
    })
    .describe(
      [description, 'milliseconds, or a duration string: 250ms, 30s, 5m, 1h30m, 1d', bound && `at most ${formatDuration(bound.maxMs)} (${bound.why})`].filter(Boolean).join('; '),
    );
}

export const timeZoneSchema = z
  .string()
  .superRefine((value, ctx) => {
    if (!isValidTimeZone(value)) ctx.addIssue({ code: 'custom', message: `unknown time zone ${JSON.stringify(value)}` });
  })
  .describe('an IANA time zone such as Europe/Paris');

/** `{regex, flags}`: RE2 syntax (see regex.ts); the flags a subset of JavaScript's. */
export const regexMatcherSchema = z
  .object({
    regex: z.string().min(1).describe('an RE2 regular expression (no backreferences or lookaround), unanchored'),
    flags: z.string().regex(/^[imsu]*$/, 'flags are some of i, m, s, u').default('i'),
  })
  .strict()
  .superRefine((matcher, ctx) => {
    const problem = regexProblem(matcher.regex, matcher.flags);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['regex'] });
  });
