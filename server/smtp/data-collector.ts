import type { SMTPServerDataStream } from 'smtp-server';
import { DataSpool } from './data-spool.js';
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
  /** `spool`: the file a large message's bytes (without the trace fields) stay in until released. */
  | { kind: 'complete'; raw: Buffer; release: () => void; spool?: string }
  | { kind: 'oversized'; bytes: number }
  /** The memory budget of in-flight messages ran out while this one arrived (or its spool failed: `why`). */
  | { kind: 'no-memory'; bytes: number; why?: string };

/**
 * A message this large goes to a spool file as it arrives (data-spool.ts); a smaller one stays
 * in memory, where it is assembled in one Buffer.concat (a slice of COPY_SLICE at most).
 */
export const SPOOL_AFTER = 1024 * 1024;
/**
 * A spooled message's chunks not yet on disk, at most (then its stream pauses, and smtp-server
 * stops reading the socket until it drains): without it, 40 clients on loopback outran the disk
 * and their waiting chunks filled the memory budget, so that every message was refused.
 */
const SPOOL_BEHIND = 1024 * 1024;

/**
 * Gathers one message's DATA, holding its bytes against the shared memory budget until the
 * caller releases them (stored, refused) or the message is aborted. Past the size limit the
 * bytes are counted but not kept (smtp-server answers 552 itself); past the memory budget the
 * message is dropped as it arrives and refused at its end; after a cut nothing is stored, even
 * what already arrived in the same chunk. A large message is spooled: its chunks are held only
 * until written, and its bytes come back at its end if the budget has room for them then.
 */
export function collectData(stream: SMTPServerDataStream, budget: MemoryBudget, hooks: DataHooks, done: (result: Collected) => void): void {
  let chunks: Buffer[] = [];
  let bytes = 0;
  let held = 0;
  let cut = false;
  let refused = false;
  let spool: DataSpool | undefined;
  let spooled = 0;
  /** The bytes went to `done`: from then on the caller releases them. */
  let handed = false;
  const release = () => {
    budget.give(held);
    held = 0;
    chunks = [];
    budget.spool.give(spooled);
    spooled = 0;
    spool?.remove();
    spool = undefined;
  };
  /** Bytes waiting for the disk: past SPOOL_BEHIND the client waits (TCP back-pressure). */
  let writing = 0;
  /** A chunk held until it is on disk (it counts against the budget meanwhile). */
  const toSpool = (file: DataSpool, chunk: Buffer) => {
    spooled += chunk.length;
    writing += chunk.length;
    if (writing > SPOOL_BEHIND && !stream.isPaused()) stream.pause();
    file.write(chunk, () => {
      budget.give(chunk.length);
      writing -= chunk.length;
      if (writing <= SPOOL_BEHIND && stream.isPaused()) stream.resume();
    });
  };
  const keep = (chunk: Buffer): boolean => {
    if (!budget.take(chunk.length)) return false;
    if (!spool && held + chunk.length <= SPOOL_AFTER) {
      held += chunk.length;
      chunks.push(chunk);
      return true;
    }
    if (!budget.spool.take(held + chunk.length)) {
      budget.give(chunk.length);
      return false;
    }
    if (!spool) {
      const file = (spool = new DataSpool());
      for (const early of chunks) toSpool(file, early);
      chunks = [];
      held = 0;
    }
    toSpool(spool, chunk);
    return true;
  };
  stream.on('data', (chunk: Buffer) =>
    hooks.contain(() => {
      bytes += chunk.length;
      hooks.progress(bytes);
      if (stream.sizeExceeded && (held || spool)) release();
      if (!stream.sizeExceeded && !refused && !keep(chunk)) {
        refused = true;
        release();
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
      handed = true;
      if (spool) return readBack(spool);
      const parts = chunks;
      chunks = [];
      assemble(parts, bytes, (raw) => hooks.contain(() => done({ kind: 'complete', raw, release })), STAMP_ROOM);
    }),
  );
  /** The whole message back from its spool file, if the budget has room for it now. */
  const readBack = (file: DataSpool) =>
    // Once its chunks are on disk (and no longer count), so that they and the whole are not both held.
    void file.flushed().then(() =>
      hooks.contain(() => {
        if (spool !== file) return;
        if (!budget.take(bytes + STAMP_ROOM)) {
          release();
          return done({ kind: 'no-memory', bytes });
        }
        held = bytes + STAMP_ROOM;
        void readInto(file);
      }),
    );
  const readInto = (file: DataSpool) =>
    file.readBack(bytes, STAMP_ROOM).then(
      (raw) =>
        hooks.contain(() => {
          stampRoom.set(raw, STAMP_ROOM);
          done({ kind: 'complete', raw, release, spool: file.path });
        }),
      (error: Error) =>
        hooks.contain(() => {
          release();
          done({ kind: 'no-memory', bytes, why: `the spool file failed: ${error.message}` });
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
