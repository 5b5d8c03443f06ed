import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { badRequest, CodedError, codeOf, ERRORS } from '../errors/catalogue.js';
import type { ApiError } from '../protocol.js';

/** Validates a request part; the error names the field and says what was expected. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: 'query' | 'body' | 'path'): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : where;
  throw badRequest(`invalid ${where} ${field}: ${issue?.message ?? 'malformed'}`);
}

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new CodedError('NOT_FOUND', `no such endpoint: ${req.method} ${req.path}`));
};

/** An error body as every route sends it: Mailpit's `{"Error": ...}`, plus the catalogue code. */
export function apiError(code: keyof typeof ERRORS, message: string): ApiError {
  return { Error: message, Code: code };
}

/** Every error leaves as `{"Error": "...", "Code": "..."}` with the right status, never as an HTML page. */
export function errorHandler(report: (error: unknown) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const code = codeOf(error);
    const { status } = ERRORS[code];
    if (status >= 500 && code === 'INTERNAL') report(error);
    const message = code === 'INTERNAL' ? 'internal error' : error instanceof Error ? error.message : String(error);
    res.status(status).json(apiError(code, message));
  };
}
