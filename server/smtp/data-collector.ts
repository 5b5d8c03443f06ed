import type { SMTPServerDataStream } from 'smtp-server';
import type { MemoryBudget } from './memory-budget.js';

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
  | { kind: 'oversized'; bytes: number }
  /** The memory budget of in-flight messages ran out while this one arrived. */
  | { kind: 'no-memory'; bytes: number };

/**
 * Gathers one message's DATA, holding its bytes against the shared memory budget until the
 * caller releases them (stored, refused) or the message is aborted. Past the size limit the
 * bytes are counted but not kept (smtp-server answers 552 itself); past the memory budget the
 * message is dropped as it arrives and refused at its end; after a cut nothing is stored, even
 * what already arrived in the same chunk.
 */
export function collectData(stream: SMTPServerDataStream, budget: MemoryBudget, hooks: DataHooks, done: (result: Collected) => void): void {
  let chunks: Buffer[] = [];
  let bytes = 0;
  let held = 0;
  let cut = false;
  let refused = false;
  /** The bytes went to `done`: from then on the caller releases them. */
  let handed = false;
  const release = () => {
    budget.give(held);
    held = 0;
    chunks = [];
  };
  stream.on('data', (chunk: Buffer) =>
    hooks.contain(() => {
      bytes += chunk.length;
      hooks.progress(bytes);
      if (stream.sizeExceeded && held) release();
      if (!stream.sizeExceeded && !refused) {
        if (budget.take(chunk.length)) {
          held += chunk.length;
          chunks.push(chunk);
        } else {
          refused = true;
          release();
        }
      }
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
  // However the stream ends (destroyed without an end, or an end this connection could no
  // longer act on), nothing stays held unless it was handed over.
  stream.once('close', () => {
    if (!handed) release();
  });
  stream.once('end', () =>
    hooks.contain(() => {
      if (cut) return;
      if (stream.sizeExceeded) {
        release();
        return done({ kind: 'oversized', bytes });
      }
      if (refused) return done({ kind: 'no-memory', bytes });
      const parts = chunks;
      chunks = [];
      handed = true;
      assemble(parts, bytes, (raw) => hooks.contain(() => done({ kind: 'complete', raw, release })));
    }),
  );
}

/** How much of a message is copied into one piece per turn of the event loop. */
const COPY_SLICE = 1024 * 1024;

/**
 * The chunks as one Buffer. Copying 20 MiB at once held the event loop for ~180 ms on a busy
 * 2-core machine (issue 9, item 11), so a large message is copied a slice per turn.
 */
export function assemble(chunks: Buffer[], bytes: number, done: (raw: Buffer) => void): void {
  if (bytes <= COPY_SLICE) return done(Buffer.concat(chunks, bytes));
  const raw = Buffer.allocUnsafeSlow(bytes);
  let offset = 0;
  let index = 0;
  const step = () => {
    const until = offset + COPY_SLICE;
    while (index < chunks.length && offset < until) {
      const chunk = chunks[index++] as Buffer;
      chunk.copy(raw, offset);
      offset += chunk.length;
    }
    if (index < chunks.length) setImmediate(step);
    else done(raw);
  };
  step();
}
