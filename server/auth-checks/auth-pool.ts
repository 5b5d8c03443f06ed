import type { Worker } from 'node:worker_threads';
import type { MessageAuth } from '../protocol.js';
import type { AuthCall, AuthThreadReply } from './auth-protocol.js';
import { siblingModule, spawnModule } from './spawn-thread.js';
import type { AuthCheckInput } from './verify.js';

/** mailauth holds the message and its canonical body (a 25 MiB message: ~100 MB). */
const AUTH_HEAP = { maxOldGenerationSizeMb: 384, maxYoungGenerationSizeMb: 8 };
/** A check running longer is given up (and its thread replaced): DNS is local, so only a huge message takes this long. */
const CHECK_TIMEOUT_MS = 60_000;

/**
 * The message's bytes as the thread gets them without a structured clone (cloning 20 MiB held
 * the event loop for 110-260 ms here): shared memory as it is (the SMTP adapter assembles large
 * messages there), anything else copied once (memcpy, a few ms) into memory that is moved.
 * As server/mail/shared-bytes.ts does for the parse threads.
 */
function movable(raw: Uint8Array): Uint8Array {
  if (raw.buffer instanceof SharedArrayBuffer) return raw;
  const own = new Uint8Array(raw.length);
  own.set(raw);
  return own;
}

interface Pending {
  resolve: (auth: Omit<MessageAuth, 'ID'>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One auth thread, started on the first check (most runs never check a message) and unref'd
 * while idle so it never keeps the process alive. A thread that dies fails its pending checks;
 * the next check starts a new one.
 */
export class AuthPool {
  #worker: Worker | undefined;
  #next = 1;
  readonly #pending = new Map<number, Pending>();
  #closed = false;

  constructor(private readonly network: boolean) {}

  check(input: AuthCheckInput): Promise<Omit<MessageAuth, 'ID'>> {
    if (this.#closed) return Promise.reject(new Error('the auth checks are stopped'));
    const worker = this.#thread();
    const call = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`the check took longer than ${CHECK_TIMEOUT_MS / 1000} s`), true), CHECK_TIMEOUT_MS);
      this.#pending.set(call, { resolve, reject, timer });
      worker.ref();
      const raw = movable(input.raw);
      const message: AuthCall = { call, input: { ...input, raw }, network: this.network };
      worker.postMessage(message, raw.buffer instanceof SharedArrayBuffer ? [] : [raw.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#fail(new Error('the auth checks are stopped'), true);
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = spawnModule(siblingModule(import.meta.url, 'auth-thread'), AUTH_HEAP);
    worker.unref();
    worker.on('message', (reply: AuthThreadReply) => this.#settle(reply));
    worker.on('error', (error) => this.#fail(error, false));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#fail(new Error(`the auth thread stopped (exit ${code})`), false);
    });
    this.#worker = worker;
    return worker;
  }

  #settle(reply: AuthThreadReply): void {
    const pending = this.#pending.get(reply.call);
    if (!pending) return;
    this.#pending.delete(reply.call);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.auth);
    else pending.reject(new Error(reply.error));
    if (!this.#pending.size) this.#worker?.unref();
  }

  #fail(error: Error, terminate: boolean): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    if (terminate && this.#worker) {
      const worker = this.#worker;
      this.#worker = undefined;
      void worker.terminate();
    }
  }
}
