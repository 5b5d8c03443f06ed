import type { ResourceLimits, Transferable, Worker } from 'node:worker_threads';
import { spawnModule } from './spawn-thread.js';

/** What a call thread posts back for each call (its `call` number echoed). */
export type ThreadReply<Result> = { call: number; ok: true; value: Result } | { call: number; ok: false; error: string };

export interface ThreadCallsOptions {
  /** The thread's module (siblingModule of the caller). */
  entry: URL;
  resourceLimits: ResourceLimits;
  /** A call running longer fails, and the thread is replaced (it may be stuck in that call). */
  timeoutMs: number;
  /** How errors name the work: "the auth check", "the html check". */
  name: string;
}

interface Pending<Result> {
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Calls into one worker thread, answered in any order by call number. The thread starts on the
 * first call (most runs never need it) and is unref'd while idle so it never keeps the process
 * alive. A thread that dies or times out fails every call it holds; the next call starts a new one.
 */
export class ThreadCalls<Payload extends object, Result> {
  #worker: Worker | undefined;
  #next = 1;
  readonly #pending = new Map<number, Pending<Result>>();
  #closed = false;

  constructor(private readonly options: ThreadCallsOptions) {}

  /** Posts `{call, ...payload}`; `transfer` lists buffers moved rather than cloned. */
  call(payload: Payload, transfer: readonly Transferable[] = []): Promise<Result> {
    if (this.#closed) return Promise.reject(new Error(`${this.options.name} is stopped`));
    const worker = this.#thread();
    const call = this.#next++;
    return new Promise((resolve, reject) => {
      const { timeoutMs, name } = this.options;
      const timer = setTimeout(() => this.#fail(new Error(`${name} took longer than ${timeoutMs / 1000} s`), true), timeoutMs);
      this.#pending.set(call, { resolve, reject, timer });
      worker.ref();
      worker.postMessage({ call, ...payload }, [...transfer]);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#fail(new Error(`${this.options.name} is stopped`), true);
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = spawnModule(this.options.entry, this.options.resourceLimits);
    worker.unref();
    worker.on('message', (reply: ThreadReply<Result>) => this.#settle(reply));
    worker.on('error', (error) => this.#fail(error, false));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#fail(new Error(`${this.options.name} thread stopped (exit ${code})`), false);
    });
    this.#worker = worker;
    return worker;
  }

  #settle(reply: ThreadReply<Result>): void {
    const pending = this.#pending.get(reply.call);
    if (!pending) return;
    this.#pending.delete(reply.call);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.value);
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
