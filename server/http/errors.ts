import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import type { ApiError } from '../protocol.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, `${what} not found`);

/** Validates a request part; the error names the field and says what was expected. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: 'query' | 'body' | 'path'): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : where;
  throw new HttpError(400, `invalid ${where} ${field}: ${issue?.message ?? 'malformed'}`);
}

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, `no such endpoint: ${req.method} ${req.path}`));
};

/** Every error leaves as `{"Error": "..."}` with the right status, never as an HTML page. */
export function errorHandler(report: (error: unknown) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const status = statusOf(error);
    if (status >= 500) report(error);
    const message = status >= 500 ? 'internal error' : error instanceof Error ? error.message : String(error);
    res.status(status).json({ Error: message } satisfies ApiError);
  };
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  const candidate = error as { status?: unknown; type?: unknown };
  // body-parser marks malformed JSON and oversized bodies with a 4xx status.
  if (typeof candidate?.status === 'number' && candidate.status >= 400 && candidate.status < 500) return candidate.status;
  return 500;
}
