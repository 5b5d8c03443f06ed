import { z } from 'zod';
import { badRequest } from '../errors/catalogue.js';
import { parseInput } from './errors.js';

/**
 * Go's encoding/json matches keys to struct fields case-insensitively at every depth (see
 * go-json.ts), so Mailpit's send API takes `{"from": {"email": ...}}` for `From.Email`. This
 * walks a zod schema of objects, arrays and records and renames each key of `value` to the field
 * it folds to, before the schema validates it. `null` is Go's zero value: the field reads as absent.
 * Keys that match no field are dropped, as Go drops them.
 */
export function decodeGoNested<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    throw badRequest(`invalid body: expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return parseInput(schema, fold(schema, value ?? {}), 'body');
}

const fieldName = (name: string) => name.toLowerCase().replace(/ſ/g, 's');

/** The schema under optional/default/nullable wrappers. */
function inner(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function fold(schema: z.ZodType, value: unknown): unknown {
  const target = inner(schema);
  if (target instanceof z.ZodArray && Array.isArray(value)) return value.map((item) => fold(target.element as z.ZodType, item));
  if (!(target instanceof z.ZodObject) || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const shape = target.shape as Record<string, z.ZodType>;
  const fields = Object.keys(shape);
  const byFold = new Map(fields.map((field) => [fieldName(field), field]));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const field = fields.includes(key) ? key : byFold.get(fieldName(key));
    if (field === undefined) continue;
    if (item === null) delete out[field];
    else out[field] = fold(shape[field]!, item);
  }
  return out;
}
