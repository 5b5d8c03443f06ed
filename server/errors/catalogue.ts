/**
 * Every error mailsim reports to someone outside it, one entry per kind, as nodemailer keeps its
 * codes in one file (lib/errors.js). The code is stable and machine-readable: the API's JSON
 * carries it as `Code`, the log as `code`, the test helper exposes it. `status` is the HTTP
 * status the API answers with, `exit` the CLI's exit code, `smtp` the reply an SMTP client gets.
 */
export interface SmtpReplySpec {
  code: number;
  enhanced: string;
  text: string;
}

interface Entry {
  status: number;
  exit?: number;
  smtp?: SmtpReplySpec;
  /** What the code means, for docs and logs. */
  means: string;
}

export const ERRORS = {
  // Requests and commands
  BAD_REQUEST: { status: 400, exit: 2, means: 'a request or command line is malformed or names an invalid field' },
  UNAUTHORIZED: { status: 401, exit: 2, means: 'credentials are needed (--ui-auth)' },
  FORBIDDEN: { status: 403, means: 'refused by the browser safety checks (Origin, Host, Sec-Fetch)' },
  NOT_FOUND: { status: 404, means: 'no such message, session, scenario, fault, tag or endpoint' },
  TIMED_OUT: { status: 408, exit: 1, means: 'a server-side wait ended before enough matched' },
  TOO_LARGE: { status: 413, means: 'a request body over the limit' },
  UNAVAILABLE: { status: 503, exit: 3, means: 'mailsim (or the part asked for) cannot answer now: starting, stopping, unreachable, a message that could not be parsed in time' },
  INTERNAL: { status: 500, exit: 1, means: 'a defect in mailsim; the log has the stack' },
  // SMTP: what a client is told when mailsim itself, not a scenario, refuses
  SMTP_INTERNAL: {
    status: 500,
    smtp: { code: 421, enhanced: '4.3.0', text: 'Internal error in mailsim, closing connection' },
    means: 'a defect in mailsim while serving one connection (RFC 5321 §3.8: 421 closes it)',
  },
  STORE_FAILED: {
    status: 503,
    smtp: { code: 451, enhanced: '4.3.0', text: 'Temporary failure storing the message, try again later' },
    means: 'the store could not keep the message; nothing was stored',
  },
  STORE_FULL: {
    status: 507,
    smtp: { code: 452, enhanced: '4.3.1', text: 'Insufficient system storage' },
    means: 'the disk holding the database is full (RFC 3463 4.3.1, as Postfix answers)',
  },
  DATA_MEMORY_FULL: {
    status: 503,
    smtp: { code: 452, enhanced: '4.3.1', text: 'Insufficient system storage' },
    means: 'the messages being received hold all of --max-data-memory',
  },
  TOO_MANY_RECIPIENTS: {
    status: 400,
    smtp: { code: 452, enhanced: '4.5.3', text: 'Too many recipients' },
    means: 'more RCPT than --max-recipients in one transaction (RFC 5321 §4.5.3.1.10)',
  },
  TOO_MANY_ERRORS: {
    status: 400,
    smtp: { code: 421, enhanced: '4.7.0', text: 'Error: too many errors' },
    means: 'too many junk or failed commands in one session (Postfix: smtpd_hard_error_limit)',
  },
  SHUTTING_DOWN: {
    status: 503,
    smtp: { code: 421, enhanced: '4.3.2', text: 'Service shutting down, try again later' },
    means: 'mailsim is stopping (RFC 5321 §3.8)',
  },
} as const satisfies Record<string, Entry>;

export type ErrorCode = keyof typeof ERRORS;

/** An error of a known kind: its catalogue entry decides the HTTP status, exit code and SMTP reply. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CodedError';
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  get exitCode(): number {
    const entry: Entry = ERRORS[this.code];
    return entry.exit ?? 1;
  }
}

export const badRequest = (message: string): CodedError => new CodedError('BAD_REQUEST', message);
export const notFound = (what: string): CodedError => new CodedError('NOT_FOUND', `${what} not found`);

/** The SMTP reply a catalogue entry prescribes. */
export function smtpReply(code: Extract<ErrorCode, 'SMTP_INTERNAL' | 'STORE_FAILED' | 'STORE_FULL' | 'DATA_MEMORY_FULL' | 'TOO_MANY_RECIPIENTS' | 'TOO_MANY_ERRORS' | 'SHUTTING_DOWN'>): SmtpReplySpec {
  return { ...ERRORS[code].smtp };
}

const GENERIC: ErrorCode[] = ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'TIMED_OUT', 'TOO_LARGE', 'UNAVAILABLE', 'INTERNAL'];

/** The general code for an HTTP status, for refusals made before any route (security checks, the WebSocket upgrade). */
export function codeForStatus(status: number): ErrorCode {
  return GENERIC.find((code) => ERRORS[code].status === status) ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}

/** The catalogue code of anything thrown: a CodedError's own, a 4xx from body-parser, else INTERNAL. */
export function codeOf(error: unknown): ErrorCode {
  if (error instanceof CodedError) return error.code;
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 413) return 'TOO_LARGE';
  if (typeof status === 'number' && status >= 400 && status < 500) return 'BAD_REQUEST';
  return 'INTERNAL';
}
