/**
 * smtp-server logs every command it reads ("C:", credentials already redacted), every reply it
 * writes ("S:") and the size of each message ("C: <n bytes of DATA>") through its documented
 * `logger` option, tagged with the connection id. This logger turns that stream into
 * transcript events: the one place that sees exactly what went over the wire, in order.
 * (The DATA size line is logged only after the reply is decided, so the adapter records the end
 * of the message itself, in its place before the reply.)
 */
export interface TranscriptSink {
  command(connectionId: string, line: string): void;
  reply(connectionId: string, payload: string): void;
  error(connectionId: string | undefined, message: string): void;
}

interface LogEntry {
  tnx?: string;
  cid?: string;
  err?: { message?: string };
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
      if (entry.tnx === 'command') sink.command(entry.cid, String(args[0] ?? ''));
      else if (entry.tnx === 'send') sink.reply(entry.cid, String(args[0] ?? ''));
    },
    error(entry, message, ...args) {
      // Socket errors are logged as ('%s %s %s', connectionId, address, message) without a cid.
      const cid = entry.cid ?? (entry.tnx === 'error' && typeof args[0] === 'string' ? args[0] : undefined);
      sink.error(cid, entry.err?.message ?? [message, ...args].join(' '));
    },
  };
}
