import { z } from 'zod';
import { scenarioSchema } from '../faults/schema.js';

/**
 * The JSON Schema of scenario files, generated from the zod schema so the two cannot drift.
 * Editors use it for completion and checking (see the README); `npm run build` writes it to
 * dist/scenario.schema.json and `mailsim schema` prints it.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  // Input form: fields with defaults are optional in a file.
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'mailsim scenario', description: 'One mailsim scenario: a server persona, fault rules and stateful limits.' };
}
