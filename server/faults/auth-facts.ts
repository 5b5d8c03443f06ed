import { z } from 'zod';
import type { AuthVerdict } from '../protocol.js';
import type { Limit, Rule } from './schema.js';

/**
 * Message authentication results as rules match them (`when: { auth: { dmarc: fail } }`): one
 * RFC 8601 §2.7 result per method. The engine receives them as facts (FaultContext.authResults);
 * it never checks a signature itself (server/auth-checks/ does, off the event loop).
 */

/** RFC 8601 §2.7.1 (DKIM), §2.7.2 (SPF), RFC 7489 §11.2 (DMARC). */
export const AUTH_RESULTS = {
  dkim: ['none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror'],
  spf: ['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror'],
  dmarc: ['none', 'pass', 'fail', 'temperror', 'permerror'],
} as const;

export type AuthMethod = keyof typeof AUTH_RESULTS;
export type AuthResult<M extends AuthMethod = AuthMethod> = (typeof AUTH_RESULTS)[M][number];
export type AuthFacts = { [M in AuthMethod]: AuthResult<M> };

function resultMatcher<M extends AuthMethod>(method: M) {
  const one = z.enum(AUTH_RESULTS[method], {
    error: (issue) => `${JSON.stringify(issue.input)} is not a ${method.toUpperCase()} result; RFC 8601 names ${AUTH_RESULTS[method].join(', ')}`,
  });
  const list = z.union([one, z.array(one).min(1)]);
  return z
    .union([list, z.object({ not: list }).strict()])
    .optional()
    .describe(`the ${method.toUpperCase()} result (${AUTH_RESULTS[method].join(', ')}), a list (any may match), or {not: ...}`);
}

export const authConditionSchema = z
  .object({ dkim: resultMatcher('dkim'), spf: resultMatcher('spf'), dmarc: resultMatcher('dmarc') })
  .strict()
  .refine((value) => value.dkim !== undefined || value.spf !== undefined || value.dmarc !== undefined, 'name at least one of dkim, spf, dmarc')
  .describe('message authentication results (data-end only), checked against the DNS records the scenario (dns:) or --dns-file declares: { dkim: fail }, { dmarc: { not: pass } }');
export type AuthCondition = z.infer<typeof authConditionSchema>;

type ResultMatcher = NonNullable<AuthCondition[AuthMethod]>;

function compileResult(matcher: ResultMatcher): (result: string) => boolean {
  if (typeof matcher === 'object' && !Array.isArray(matcher)) {
    const inner = compileResult(matcher.not);
    return (result) => !inner(result);
  }
  const wanted = new Set<string>(Array.isArray(matcher) ? matcher : [matcher]);
  return (result) => wanted.has(result);
}

/** True when every method the condition names has a matching result; no facts (not checked), no match. */
export function compileAuthCondition(condition: AuthCondition): (facts: AuthFacts | undefined) => boolean {
  const tests = (Object.keys(AUTH_RESULTS) as AuthMethod[]).flatMap((method) => {
    const matcher = condition[method];
    if (matcher === undefined) return [];
    const test = compileResult(matcher);
    return [(facts: AuthFacts) => test(facts[method])];
  });
  return (facts) => facts !== undefined && tests.every((test) => test(facts));
}

/**
 * Whether a scenario's rules or limits read the verdicts: only then does the SMTP adapter wait
 * for the checks at the end of DATA (tens of milliseconds on a worker thread); otherwise they
 * run when the API or the UI first asks.
 */
export function usesAuthFacts(scenario: { rules: readonly Rule[]; limits: readonly Limit[] }): boolean {
  let uses = readsAuth.get(scenario);
  if (uses === undefined) {
    uses = scenario.rules.some((rule) => rule.when.auth !== undefined) || scenario.limits.some((limit) => limit.match?.auth !== undefined);
    readsAuth.set(scenario, uses);
  }
  return uses;
}

/** Asked once per message: answered once per scenario object (a reloaded file is a new object). */
const readsAuth = new WeakMap<object, boolean>();

const known = <M extends AuthMethod>(method: M, result: string): AuthResult<M> =>
  ((AUTH_RESULTS[method] as readonly string[]).includes(result) ? result : 'permerror') as AuthResult<M>;

/** The checks' verdicts as facts: one result per method (a result RFC 8601 does not name counts as permerror). */
export function authFacts(auth: { DKIM: AuthVerdict; SPF: AuthVerdict; DMARC: AuthVerdict }): AuthFacts {
  return { dkim: known('dkim', auth.DKIM.Result), spf: known('spf', auth.SPF.Result), dmarc: known('dmarc', auth.DMARC.Result) };
}
