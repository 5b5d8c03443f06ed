/**
 * The logger every module is handed (server/log/ builds the real one on pino). Message first,
 * structured fields second; a child carries fields such as the session ID onto each of its lines.
 */
export type LogFields = Record<string, unknown>;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
type LineLevel = Exclude<LogLevel, 'silent'>;

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Log {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  fatal(message: string, fields?: LogFields): void;
  child(fields: LogFields): Log;
}

export type LogSink = (level: LineLevel, message: string, fields: LogFields) => void;

/** A Log that hands every line to a function: for tests and for embedding (mailsim/testing). */
export function logTo(sink: LogSink, bound: LogFields = {}): Log {
  return levelled(
    (level) => (message, fields) => sink(level, message, { ...bound, ...fields }),
    (fields) => logTo(sink, { ...bound, ...fields }),
  );
}

/** A Log from one line writer per level: the shape every logger behind this port shares. */
export function levelled(at: (level: LineLevel) => (message: string, fields?: LogFields) => void, child: (fields: LogFields) => Log): Log {
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child };
}

export const silentLog: Log = logTo(() => {});

/** An Error as log fields: its message, its code if any, and the stack where the cause is ours. */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { err: { message: String(error) } };
  const code = (error as NodeJS.ErrnoException).code;
  return { err: { message: error.message, ...(code !== undefined && { code }), stack: error.stack } };
}
