import type { SMTPServerDataStream } from 'smtp-server';

export interface DataHooks {
  /** Bytes of DATA so far, for the live session view. */
  progress(bytes: number): void;
  /** A fault's byte count after which the connection drops mid-message, if one fired. */
  cutAfterBytes(): number | undefined;
  /** The cut point was reached: drop the connection; `done` will not be called. */
  cut(atBytes: number): void;
  aborted(bytes: number): void;
  /** Every handler runs inside this, so that a throw closes this connection and nothing else. */
  contain(fn: () => void): void;
}

export type Collected =
  | { kind: 'complete'; raw: Buffer; release: () => void }
  | { kind: 'oversized'; bytes: number };

/**
 * Gathers one message's DATA. Past the size limit the bytes are counted but not kept (smtp-server
 * answers 552 itself); after a cut nothing is stored, even what already arrived in the same chunk.
 */
export function collectData(stream: SMTPServerDataStream, hooks: DataHooks, done: (result: Collected) => void): void {
  let chunks: Buffer[] = [];
  let bytes = 0;
  let cut = false;
  const release = () => {
    chunks = [];
  };
  stream.on('data', (chunk: Buffer) =>
    hooks.contain(() => {
      bytes += chunk.length;
      hooks.progress(bytes);
      if (!stream.sizeExceeded) chunks.push(chunk);
      const cutAt = hooks.cutAfterBytes();
      if (cutAt !== undefined && bytes >= cutAt && !cut) {
        cut = true;
        release();
        hooks.cut(cutAt);
      }
    }),
  );
  stream.on('error', () =>
    hooks.contain(() => {
      release();
      hooks.aborted(bytes);
    }),
  );
  stream.once('end', () =>
    hooks.contain(() => {
      if (cut) return;
      if (stream.sizeExceeded) {
        release();
        return done({ kind: 'oversized', bytes });
      }
      const raw = Buffer.concat(chunks, bytes);
      chunks = [];
      done({ kind: 'complete', raw, release });
    }),
  );
}
