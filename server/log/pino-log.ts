import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { levelled, LOG_FORMATS, type Log, type LogFormat, type LogLevel } from '../ports/log.js';

export { LOG_FORMATS, type LogFormat };

export interface LogOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; stderr by default, so that stdout keeps the banner and command output. */
  destination?: NodeJS.WritableStream & { fd?: number };
}

/**
 * pino: one JSON object per line for CI and containers (`--log-format json`), or pino-pretty's
 * human-readable lines by default. Both write synchronously, so the last lines before an exit
 * are not lost, and both carry the bound fields (the session ID) on every line.
 */
export function createLog({ level, format, destination = process.stderr }: LogOptions): Log {
  // Level names ("warn"), not pino's numbers, so a CI log reads without a table.
  const base = { base: undefined, level, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } };
  const logger =
    format === 'json'
      ? pino(base, pino.destination({ fd: destination.fd ?? 2, sync: true }))
      : pino(
          base,
          pretty({
            destination,
            sync: true,
            colorize: Boolean((destination as { isTTY?: boolean }).isTTY),
            translateTime: 'SYS:HH:MM:ss.l',
            ignore: 'pid,hostname,session',
            messageFormat: '{if session}[{session}] {end}{msg}',
            hideObject: false,
          }),
        );
  return wrap(logger);
}

function wrap(logger: Logger): Log {
  return levelled(
    (level) => (message, fields) => (fields ? logger[level](fields, message) : logger[level](message)),
    (fields) => wrap(logger.child(fields)),
  );
}
