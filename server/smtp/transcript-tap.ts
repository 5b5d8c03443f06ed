/**
 * smtp-server logs every reply it writes ("S:") through its documented `logger` option, tagged
 * with the connection id, right at its single write site: the one place that sees exactly what
 * went over the wire, in order. (Commands are recorded by the connection driver, which sees
 * each line before smtp-server does, including the ones the fault engine answers itself.)
 */
export interface TranscriptSink {
  reply(connectionId: string, payload: string): void;
  error(connectionId: string | undefined, message: string): void;
}

interface LogEntry {
  tnx?: string;
  cid?: string;
  /** smtp-server keeps OpenSSL's own words in meta.message and reports a generic message. */
  err?: { message?: string; meta?: { message?: string } };
}

type LogFn = (entry: LogEntry, message?: string, ...args: unknown[]) => void;

export function transcriptLogger(sink: TranscriptSink): Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', LogFn> {
  const ignore: LogFn = () => {};
  return {
    trace: ignore,
    info: ignore,
    warn: ignore,
    fatal: ignore,
    debug(entry, _message, ...args) {
      if (!entry.cid) return;
      if (entry.tnx === 'send') sink.reply(entry.cid, String(args[0] ?? ''));
    },
    error(entry, message, ...args) {
      // Socket errors are logged as ('%s %s %s', connectionId, address, message) without a cid.
      const cid = entry.cid ?? (entry.tnx === 'error' && typeof args[0] === 'string' ? args[0] : undefined);
      sink.error(cid, entry.err?.meta?.message ?? entry.err?.message ?? [message, ...args].join(' '));
    },
  };
}
