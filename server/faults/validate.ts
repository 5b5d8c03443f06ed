import type { z } from 'zod';
import { chaosTriggersSchema } from './chaos.js';
import { oneShotSchema } from './one-shot.js';
import { scenarioSchema } from './schema.js';

/** What is wrong and where: the path of the field ("rules", 0, "when", "sender", "regex"). */
export interface ValidationIssue {
  path: (string | number)[];
  message: string;
  /** The last path part is a field that should not be there (point at its key, not its value). */
  unknownField?: boolean;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; issue: ValidationIssue };

/**
 * The one validation every way into the fault engine goes through: scenario files, inline
 * uploads, one-shot faults and chaos triggers. The schemas carry every check (RE2 regexes,
 * time zones, bounded durations; see schema-fields.ts), so what passes here compiles and runs.
 */
export function validate<S extends z.ZodType>(schema: S, data: unknown): Validated<z.output<S>> {
  // reportInput: zod 4 leaves the offending value out of issues unless asked ("got ...").
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (!issue) return { ok: false, issue: { path: [], message: 'invalid' } };
  return { ok: false, issue: locate(issue) };
}

export const validateScenario = (data: unknown) => validate(scenarioSchema, data);
export const validateOneShot = (data: unknown) => validate(oneShotSchema, data);
export const validateChaos = (data: unknown) => validate(chaosTriggersSchema, data);

/** "rules.0.when.sender.regex": a path for messages and API errors. */
export function formatPath(prefix: string, path: (string | number)[]): string {
  return [prefix, ...path].filter((part) => part !== '').join('.');
}

type Issue = z.core.$ZodIssue;

/** An unknown field is reported at the field itself, not at the object that holds it. */
function locate(issue: Issue): ValidationIssue {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  if (!keys.length) return { path, message: explain(issue) };
  return { path: [...path, keys[0]!], message: explain(issue), unknownField: true };
}

function explain(issue: Issue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field "${issue.keys.join('", "')}"`;
    case 'invalid_union': {
      const nested = issue.errors.flat()[0];
      return nested ? explain(nested) : 'does not match any of the accepted forms';
    }
    case 'invalid_type':
      return issue.input === undefined ? `required field is missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${describe(issue.input)}`;
    default:
      return issue.message;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  return typeof value === 'object' ? 'a mapping' : String(value);
}
