import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { spawnThread } from './thread-spawn.js';
import { reviveError, type WriteState } from './write-health.js';
import type { WriterCall, WriterInit, WriterReply, WriterRequest, WriterResults } from './writer-protocol.js';

export interface WriterEvents {
  /** A failure of the thread itself, or of its background work, with the thread's own stack. */
  report(error: Error): void;
  /** Writes stopped getting through (a full disk) or got through again. */
  health(state: WriteState): void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * V8 lets a busy isolate's young generation grow to 48 MB (16 MB semi-spaces); the writer's
 * garbage is short-lived per message, so 2 MB semi-spaces (6 MB young generation) hold it. With
 * the same setting for the main thread (the bin's --max-semi-space-size=2) peak RSS with 10,000
 * stored messages went from 211-217 MB to 169-172 MB; 10,000 messages took as long (9.1-12.1 s
 * against 9.4-10.7 s, within this machine's noise).
 */
const WRITER_HEAP = { maxYoungGenerationSizeMb: 6 };

/**
 * The event-loop side of the writer thread: request/response over postMessage. Calls made in one
 * turn of the event loop travel as one message (a postMessage costs as much as a small write),
 * and the thread answers in batches the same way.
 */
export class WriterClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #outbox: WriterCall[] = [];
  #transfers: ArrayBuffer[] = [];
  #nextId = 1;
  #failure: Error | undefined;
  #closing = false;

  private constructor(worker: Worker, private readonly events: WriterEvents) {
    this.#worker = worker;
    worker.on('message', (replies: WriterReply | WriterReply[]) => {
      for (const reply of Array.isArray(replies) ? replies : [replies]) this.#settle(reply);
    });
    worker.on('error', (error: unknown) => {
      const cause = error instanceof Error ? error : new Error(String(error));
      this.#fail(Object.assign(new Error(`store writer crashed: ${cause.message}`, { cause }), { stack: cause.stack }));
    });
    worker.on('exit', (code) => {
      if (!this.#closing) this.#fail(new Error(`store writer stopped (exit code ${code})`));
    });
  }

  static async start(init: WriterInit, events: WriterEvents): Promise<WriterClient> {
    const worker = spawnThread('writer-thread', init, WRITER_HEAP);
    const [first] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([error]) => Promise.reject(error))])) as [WriterReply];
    if ('fatal' in first) {
      await worker.terminate();
      throw reviveError(first.fatal);
    }
    return new WriterClient(worker, events);
  }

  /** Why the thread is gone, if it is. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  get healthy(): boolean {
    return this.#failure === undefined;
  }

  call<K extends WriterRequest['op']>(request: Extract<WriterRequest, { op: K }>, transfer: ArrayBuffer[] = []): Promise<WriterResults[K]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (!this.#outbox.length) setImmediate(() => this.#send());
      this.#outbox.push({ ...request, id } satisfies WriterCall);
      this.#transfers.push(...transfer);
    });
  }

  #send(): void {
    const calls = this.#outbox;
    const transfers = this.#transfers;
    this.#outbox = [];
    this.#transfers = [];
    if (calls.length) this.#worker.postMessage(calls, transfers);
  }

  /** The thread finishes every request sent so far, commits, closes the database and stops. */
  async close(): Promise<void> {
    if (this.#closing || this.#failure) return this.#worker.terminate().then(() => undefined);
    this.#closing = true;
    this.#send();
    const closed = new Promise<void>((resolve) =>
      this.#worker.on('message', (replies: WriterReply | WriterReply[]) => !Array.isArray(replies) && 'closed' in replies && resolve()),
    );
    this.#worker.postMessage('close');
    await closed;
    await this.#worker.terminate();
  }

  #settle(reply: WriterReply): void {
    if ('health' in reply) return this.events.health(reply.health);
    if ('problem' in reply) return this.events.report(reviveError(reply.problem));
    if (!('ok' in reply)) return;
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(reviveError(reply.error));
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    this.events.report(error);
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}
