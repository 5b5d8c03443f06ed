import type { Limit, Persona, Phase, Rule } from './schema.js';

/** A scenario setting that can never take effect, and where it is. */
export interface Contradiction {
  path: (string | number)[];
  message: string;
}

interface ScenarioParts {
  persona: Persona;
  rules: Rule[];
  limits: Limit[];
}

/**
 * Settings each valid on their own that contradict each other: the scenario would load and
 * silently not do what it says (issue 11: yahoo-disabled-mailbox listed STARTTLS and never
 * offered it, and `mailsim validate` said ok). Each names the field to change.
 */
export function contradictions(scenario: ScenarioParts): Contradiction[] {
  return [...personaContradictions(scenario.persona), ...scenario.rules.flatMap(ruleContradictions), ...scenario.limits.flatMap(limitContradictions)];
}

function personaContradictions(persona: Persona): Contradiction[] {
  const found: Contradiction[] = [];
  const starttls = persona.extensions.indexOf('STARTTLS');
  if (starttls >= 0 && persona.tls.starttls === 'off') {
    found.push({
      path: ['persona', 'extensions', starttls],
      message: 'STARTTLS is listed but persona.tls.starttls is off, so it is never offered: set tls.starttls to optional or required, or remove STARTTLS',
    });
  }
  if (persona.auth.required && !persona.extensions.includes('AUTH')) {
    found.push({ path: ['persona', 'auth', 'required'], message: 'AUTH is required but not in persona.extensions, so no client can ever authenticate: add AUTH to extensions' });
  }
  return found;
}

/** The phases at which a condition has a value; a rule for another phase can never match it. */
const KNOWN_AT: Partial<Record<keyof Rule['when'], { phases: readonly Phase[]; what: string }>> = {
  subject: { phases: ['data-end'], what: 'the Subject is only known at data-end' },
  header: { phases: ['data-end'], what: 'headers are only known at data-end' },
  from: { phases: ['data-end'], what: 'the From header is only known at data-end' },
  password: { phases: ['auth'], what: 'the password is only known at auth' },
  sender: { phases: ['mail', 'rcpt', 'data-start', 'data-end', 'rset', 'quit'], what: 'the sender is only known from MAIL FROM on' },
  recipient: { phases: ['rcpt', 'data-start', 'data-end', 'rset', 'quit'], what: 'recipients are only known from RCPT TO on' },
  size: { phases: ['mail', 'data-end'], what: 'the size is only known at mail (SIZE=) and data-end' },
  auth: { phases: ['data-end'], what: 'DKIM, SPF and DMARC results are only known at data-end (they need the message)' },
};

function ruleContradictions(rule: Rule, index: number): Contradiction[] {
  const found: Contradiction[] = [];
  for (const [field, known] of Object.entries(KNOWN_AT) as [keyof Rule['when'], { phases: readonly Phase[]; what: string }][]) {
    if (rule.when[field] === undefined || known.phases.includes(rule.when.phase)) continue;
    found.push({ path: ['rules', index, 'when', field], message: `${known.what}; this rule (phase ${rule.when.phase}) can never match it` });
  }
  const { nth, first } = rule.select;
  if (nth !== undefined && first !== undefined && nth > first) {
    found.push({ path: ['rules', index, 'select', 'nth'], message: `the ${nth}th matching event is never among the first ${first}: this rule can never fire` });
  }
  return found;
}

function limitContradictions(limit: Limit, index: number): Contradiction[] {
  if (limit.match?.auth !== undefined && !('phase' in limit && limit.phase === 'data-end')) {
    return [{ path: ['limits', index, 'match', 'auth'], message: 'DKIM, SPF and DMARC results are only known at data-end: use kind messages with phase data-end' }];
  }
  if (limit.kind === 'concurrent' && limit.key === 'user' && limit.phase === 'connect') {
    return [{ path: ['limits', index, 'phase'], message: 'key user is unknown at connect (no AUTH yet), so this limit never applies: use phase auth, mail, data-start or data-end' }];
  }
  if (limit.kind === 'concurrent' && limit.key.startsWith('sender') && (limit.phase === 'connect' || limit.phase === 'auth')) {
    return [{ path: ['limits', index, 'phase'], message: `key ${limit.key} is unknown before MAIL FROM, so this limit never applies at ${limit.phase}: use phase mail, data-start or data-end` }];
  }
  return [];
}
