import type { BouncePlan } from './actions/bounce.js';
import { compileGlob } from './glob.js';

/** The recipients of a message a bounce plan covers: those its globs match, or all of them. */
export function bounceTargets(plan: BouncePlan, recipients: readonly string[]): string[] {
  if (!plan.recipients) return [...recipients];
  const globs = plan.recipients.map(compileGlob);
  return recipients.filter((address) => globs.some((glob) => glob.test(address)));
}
