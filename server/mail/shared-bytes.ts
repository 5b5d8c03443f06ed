import { MessageChannel } from 'node:worker_threads';

/**
 * A message's bytes on their way to the parse and writer threads. A large message is assembled
 * in shared memory (server/smtp/data-collector.ts), which every thread reads in place: copying
 * 20 MiB to hand it over held the event loop for 100-300 ms on a busy 2-core machine (issue 9,
 * item 11), and a thread that dies mid-parse must not take the only copy with it. A small one is
 * copied into memory of its own and moved (transferred), which costs nothing worth sharing.
 */

/** Bytes a thread may be given: shared ones as they are, others as a copy that can be moved. */
export function transferable(raw: Uint8Array): Uint8Array {
  if (raw.buffer instanceof SharedArrayBuffer) return raw;
  const own = new Uint8Array(raw.length);
  own.set(raw);
  return own;
}

/** The postMessage transfer list for those bytes: shared memory is never transferred, only shared. */
export function transferList(bytes: Uint8Array): ArrayBuffer[] {
  return bytes.buffer instanceof SharedArrayBuffer ? [] : [bytes.buffer as ArrayBuffer];
}

/** A buffer in shared memory, for assembling a message that is large enough to be worth sharing. */
export function sharedBuffer(bytes: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(bytes));
}

/** Below this, a buffer's memory is left to the garbage collector. */
const RELEASE_AT = 1024 * 1024;

/**
 * Frees the memory of bytes a thread owns, now rather than at a garbage collection that nothing
 * may prompt: a thread that holds little else collects seldom, and each stored 20 MiB message
 * stayed resident until it did (issue 9, item 11). Moving the buffer into a message on a port
 * that is closed at once detaches it here, and the undelivered message takes its memory with it.
 * Shared memory is left alone (other threads may read it), and so are small buffers.
 */
export function releaseBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (buffer instanceof SharedArrayBuffer || buffer.byteLength < RELEASE_AT) return;
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [buffer as ArrayBuffer]);
  port1.close();
  port2.close();
}
