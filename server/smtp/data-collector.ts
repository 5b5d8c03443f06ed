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
      assemble(parts, bytes, (raw) => hooks.contain(() => done({ kind: 'complete', raw, release })), STAMP_ROOM);
    }),
  );
}

/** How much is copied into assembled messages per turn of the event loop, all messages together. */
const COPY_SLICE = 1024 * 1024;
/**
 * Room left in front of a large assembled message for the trace fields the store puts on top
 * (Return-Path, Received, Message-ID, a scenario's headers: ~300 bytes as a rule). Stamping into
 * it costs no copy: stamping by copying held a second 20 MiB per message until it was stored,
 * which the budget did not count (issue 9, item 11: RSS 1,182 MiB under a 256 MiB budget).
 */
export const STAMP_ROOM = 4096;

interface Assembly {
  /** Emptied as they are copied, so that a chunk's memory can go as soon as its copy is made. */
  chunks: (Buffer | undefined)[];
  index: number;
  offset: number;
  raw: Buffer;
  done: (raw: Buffer) => void;
}

/** Messages being assembled, oldest first: one budget per turn for all of them. */
const assemblies: Assembly[] = [];
let pumping = false;
/** Assembled messages whose room in front is still free, and how much of it there is. */
const stampRoom = new WeakMap<Buffer, number>();

/**
 * The chunks as one Buffer. Copying 20 MiB at once held the event loop for ~180 ms on a busy
 * 2-core machine (issue 9, item 11), so a large message is copied a slice per turn, into shared
 * memory: the store's threads read it there instead of being handed a copy (server/mail/shared-bytes.ts).
 * The slice is shared by all messages: 40 arriving together at one slice each held it 360-550 ms.
 * A large message gets `room` free bytes in front of it, for `prepend`.
 */
export function assemble(chunks: Buffer[], bytes: number, done: (raw: Buffer) => void, room = 0): void {
  if (bytes <= COPY_SLICE) return done(Buffer.concat(chunks, bytes));
  const raw = Buffer.from(new SharedArrayBuffer(room + bytes), room, bytes);
  if (room) stampRoom.set(raw, room);
  assemblies.push({ chunks, index: 0, offset: 0, raw, done });
  if (!pumping) pump();
}

/**
 * `prefix` then `raw`. A message `assemble` left room in front of is stamped there, in place and
 * once; any other large one is assembled as `assemble` does, a slice per turn into shared memory
 * (a single chunk of 20 MiB would otherwise be copied in one go).
 */
export function prepend(prefix: Buffer, raw: Buffer, done: (stamped: Buffer) => void): void {
  if (prefix.length <= (stampRoom.get(raw) ?? 0)) {
    stampRoom.delete(raw);
    const stamped = Buffer.from(raw.buffer, raw.byteOffset - prefix.length, prefix.length + raw.length);
    prefix.copy(stamped);
    return done(stamped);
  }
  const pieces = [prefix];
  for (let at = 0; at < raw.length; at += COPY_SLICE) pieces.push(raw.subarray(at, at + COPY_SLICE));
  assemble(pieces, prefix.length + raw.length, done);
}

function pump(): void {
  pumping = true;
  try {
    let budget = COPY_SLICE;
    while (budget > 0 && assemblies.length > 0) {
      const job = assemblies[0] as Assembly;
      while (job.index < job.chunks.length && budget > 0) {
        const chunk = job.chunks[job.index] as Buffer;
        job.chunks[job.index++] = undefined;
        chunk.copy(job.raw, job.offset);
        job.offset += chunk.length;
        budget -= chunk.length;
      }
      if (job.index < job.chunks.length) break;
      assemblies.shift();
      job.done(job.raw);
    }
  } finally {
    // Even if a completion threw, the messages behind it are still assembled.
    if (assemblies.length > 0) setImmediate(pump);
    else pumping = false;
  }
}
