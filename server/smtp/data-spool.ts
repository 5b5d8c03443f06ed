import { mkdtempSync, rmSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * A large message's DATA goes to a file as it arrives, as Postfix's queue file does, and comes
 * back as one buffer at its end. Holding it in memory instead (issue 9, item 11) kept every
 * socket chunk alive until the message was whole: 40 clients x 20 MiB under a 256 MiB budget
 * left the allocator's heap at the budget's size after the messages were stored, and the chunks
 * outlived the young generation, so only a full GC (which nothing prompted) released them.
 * Spooled, a chunk is garbage a few milliseconds after it arrives. Reading the file back runs on
 * libuv's thread pool: no copy on the event loop.
 */
export class DataSpool {
  readonly path: string;
  readonly #file: Promise<FileHandle>;
  /** Writes run one after the other, in arrival order. */
  #tail: Promise<unknown>;
  #failure: Error | undefined;
  #removed = false;

  constructor() {
    this.path = join(spoolDir(), randomBytes(9).toString('base64url'));
    this.#file = open(this.path, 'wx+', 0o600);
    this.#tail = this.#file.catch((error: Error) => (this.#failure ??= error));
  }

  /** Queues a chunk; `written` runs once it is on disk or failed (the chunk's memory can then go). */
  write(chunk: Buffer, written: () => void): void {
    this.#tail = this.#tail
      .then(async () => {
        if (this.#failure || this.#removed) return;
        const file = await this.#file;
        for (let at = 0; at < chunk.length; ) at += (await file.write(chunk, at, chunk.length - at)).bytesWritten;
      })
      .catch((error: Error) => (this.#failure ??= error))
      .finally(written);
  }

  /** Every write queued so far is on disk (or failed). */
  async flushed(): Promise<void> {
    await this.#tail;
  }

  /** The file's `bytes` into a new buffer with `room` free bytes in front (for the trace fields). */
  async readBack(bytes: number, room: number): Promise<Buffer> {
    await this.#tail;
    if (this.#failure) throw this.#failure;
    const file = await this.#file;
    // Not from Node's pool (that would share its ArrayBuffer): the store's threads are handed
    // this buffer itself, moved, not copied (server/mail/shared-bytes.ts).
    const whole = Buffer.allocUnsafeSlow(room + bytes);
    for (let at = 0; at < bytes; ) {
      const { bytesRead } = await file.read(whole, room + at, bytes - at, at);
      if (bytesRead === 0) throw new Error(`the spooled message ends after ${at} of ${bytes} bytes`);
      at += bytesRead;
    }
    return whole.subarray(room);
  }

  /** Deletes the file once the writes queued so far are done; never throws. */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    void this.#tail
      .then(() => this.#file)
      .then((file) => file.close())
      .catch(() => {})
      .then(() => unlink(this.path))
      .catch(() => {});
  }
}

let dir: string | undefined;

/** One directory per process, made when the first large message arrives, removed at exit. */
function spoolDir(): string {
  if (dir) return dir;
  const made = mkdtempSync(join(tmpdir(), 'mailsim-spool-'));
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  dir = made;
  return made;
}
