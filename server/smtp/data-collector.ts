import type { SMTPServerDataStream } from 'smtp-server';

export interface DataHooks {
  /** Bytes of DATA so far, for the live session view. */
  progress(bytes: number): void;
  /** A fault's byte count after which the connection drops mid-message, if one fired. */
  cutAfterBytes(): number | undefined;
  /** The cut point was reached: drop the connection; `done` will not be called. */
  cut(atBytes: number): void;
  aborted(bytes: number): void;
}

export type Collected = { kind: 'complete'; raw: Buffer } | { kind: 'oversized'; bytes: number };

/**
 * Gathers one message's DATA. Past the size limit the bytes are counted but not kept (smtp-server
 * answers 552 itself); after a cut nothing is stored, even what already arrived in the same chunk.
 */
export function collectData(stream: SMTPServerDataStream, hooks: DataHooks, done: (result: Collected) => void): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let cut = false;
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    hooks.progress(bytes);
    if (!stream.sizeExceeded) chunks.push(chunk);
    const cutAt = hooks.cutAfterBytes();
    if (cutAt !== undefined && bytes >= cutAt && !cut) {
      cut = true;
      hooks.cut(cutAt);
    }
  });
  stream.on('error', () => hooks.aborted(bytes));
  stream.once('end', () => {
    if (cut) return;
    done(stream.sizeExceeded ? { kind: 'oversized', bytes } : { kind: 'complete', raw: Buffer.concat(chunks, bytes) });
  });
}
