import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { badRequest } from '../errors/catalogue.js';
import { parseInput } from './errors.js';

/**
 * Request bodies as Mailpit's handlers read them. Mailpit decodes each body with Go's
 * encoding/json into a struct, which matches object keys to field names exactly first and
 * otherwise without regard to case (Go's `json.Unmarshal` docs: "preferring an exact match but
 * also accepting a case-insensitive match"), so `{"ids": [...]}` fills `IDs`; the last of
 * several matching keys wins. A client written against that (a published Java client sends
 * lower-case keys) must get the same reading here.
 */

const withBody = new WeakSet<Request>();

/**
 * JSON with or without a JSON content type (Mailpit ignores it). body-parser turns an empty
 * body into `{}`; Go's decoder answers EOF instead, so the request is marked when it carried
 * anything but white space, and `hasBody` tells the two apart.
 */
export function jsonBody(limit: number | string = '1mb'): RequestHandler {
  return express.json({
    limit,
    type: () => true,
    strict: false,
    verify: (req, _res, buffer) => {
      if (/\S/.test(buffer.toString('latin1'))) withBody.add(req as Request);
    },
  });
}

export function hasBody(req: Request): boolean {
  return withBody.has(req);
}

/** Go's case folding of field names: simple Unicode folding, which sends `ſ` to `s` and the Kelvin sign to `k`. */
function fold(name: string): string {
  return name.toLowerCase().replace(/ſ/g, 's');
}

export interface GoDecoded<T> {
  value: T;
  /** Keys that matched no field (Go skips them silently). */
  unknown: string[];
}

/**
 * Reads `body` into the fields of `shape` as Go would: keys matched exactly or by case folding,
 * unknown keys set aside (the caller decides whether ignoring them would widen what a request
 * acts on), and each field validated by its zod schema so a wrong type is a 400 naming it (Go's
 * UnmarshalTypeError). JSON `null` is an empty struct, as in Go; any other non-object is a 400.
 */
export function decodeGoStruct<S extends z.ZodRawShape>(shape: S, body: unknown): GoDecoded<z.infer<z.ZodObject<S>>> {
  if (body !== null && body !== undefined && (typeof body !== 'object' || Array.isArray(body))) {
    throw badRequest(`invalid body: expected a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  }
  const fields = Object.keys(shape);
  const byFold = new Map(fields.map((field) => [fold(field), field]));
  const normalised: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    const field = fields.includes(key) ? key : byFold.get(fold(key));
    if (field === undefined) unknown.push(key);
    // `null` is Go's zero value here (nil for a slice): the field reads as absent.
    else if (value === null) delete normalised[field];
    else normalised[field] = value;
  }
  return { value: parseInput(z.object(shape), normalised, 'body'), unknown };
}
