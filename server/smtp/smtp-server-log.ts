import { format } from 'node:util';
import { errorFields, type Log, type LogFields } from '../ports/log.js';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** A bunyan-style record, as smtp-server's documented `logger` option receives it. */
interface Entry {
  /** nodemailer's convention: the connection's ID; best effort, lines without one are kept too. */
  cid?: string;
  tnx?: string;
  err?: unknown;
}

type LogFn = (entry: Entry, message?: string, ...args: unknown[]) => void;

/**
 * Client-caused trouble smtp-server reports at error level: a reset or a broken pipe, a TLS
 * handshake that failed. Each is already in the session's transcript and outcome; for the
 * operator it is news at debug level, not an error.
 */
const CLIENT_TROUBLE = /ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNABORTED|ERR_SSL|ERR_TLS|SocketError|TLSError|ECONNECTION/;

/**
 * smtp-server's own log lines into mailsim's log, at their level (its warn, error and fatal
 * lines used to be dropped), each bound to the session when the record names its connection.
 * Its info and debug chatter (every command and reply) stays out below mailsim's trace level:
 * the session transcript has it in a form that can be read.
 */
export function smtpServerLogger(log: Log, sessionOf: (cid: string) => boolean): Record<Level, LogFn> {
  const at =
    (level: Level): LogFn =>
    (entry, message, ...args) => {
      try {
        const fields: LogFields = { component: 'smtp-server' };
        if (entry?.cid && sessionOf(entry.cid)) fields.session = entry.cid;
        if (entry?.err !== undefined) Object.assign(fields, errorFields(entry.err));
        const text = format(message ?? '', ...args);
        const demoted = level === 'error' && (entry?.tnx === 'error' || CLIENT_TROUBLE.test(`${codeOf(entry?.err)} ${text}`));
        log[demoted ? 'debug' : level](text, fields);
      } catch {
        // Logging must never be what breaks a connection.
      }
    };
  return { trace: () => {}, debug: () => {}, info: at('trace'), warn: at('warn'), error: at('error'), fatal: at('fatal') };
}

function codeOf(error: unknown): string {
  return (error as { code?: unknown } | undefined)?.code?.toString() ?? '';
}
