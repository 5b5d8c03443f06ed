import type { z } from 'zod';

/**
 * An error caused by what a client sent (a scenario, a fault, a clock change). Anything that
 * throws it outside the HTTP layer is answered 400 with its message.
 */
export class BadRequest extends Error {
  readonly status = 400;
}

/** "Scenario.rules.0.when.phase: Invalid option: expected one of ..." */
export function describeIssue(prefix: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}: invalid`;
  const path = [prefix, ...issue.path.map(String)].join('.');
  return `${path}: ${issue.message}`;
}
