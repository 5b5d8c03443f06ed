import type { MessageSummary, SessionSummary } from '../protocol.js';

/** An answer other than the one asked for: `status` and mailsim's `{"Error": ...}` text. */
export class MailsimError extends Error {
  /** mailsim's error code from the answer (`BAD_REQUEST`, `NOT_FOUND`...; server/errors/catalogue.ts), if it gave one. */
  readonly code: string | undefined;

  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'MailsimError';
    const code = (body as { Code?: unknown } | undefined)?.Code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** A wait ran out; `matched` is what did match, `recent` the newest arrivals of any kind. */
export class MailsimTimeoutError<T = MessageSummary | SessionSummary> extends MailsimError {
  constructor(
    message: string,
    readonly matched: T[],
    readonly recent: T[],
    body: unknown,
  ) {
    super(408, message, body);
    this.name = 'MailsimTimeoutError';
  }
}
