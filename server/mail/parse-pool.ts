import type { Worker } from 'node:worker_threads';
import type { ParsedSummary } from './message-parser.js';
import type { ParseCall, ParseInit, ParseReply, ParseRequest, ParseResults } from './parse-protocol.js';
import { spawnThread } from './thread-spawn.js';

/**
 * A parse may hold a 25 MiB message decoded, as text and as HTML at once (~150 MB); past this
 * the thread dies with ERR_WORKER_OUT_OF_MEMORY and the message is shown from its header.
 */
const PARSE_HEAP = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 16 };

export interface ParsePoolOptions {
  /** The database the threads read raw messages from. */
  path: string;
  /** Threads; a slow parse in one leaves the others free. */
  threads: number;
  /** A parse running longer is stopped (its thread is replaced). */
  timeoutMs: number;
}

/** Why a parse gave no answer: it ran past the time bound, or its thread died (out of memory). */
export class ParseFailure extends Error {
  override readonly name = 'ParseFailure';
}

interface Job {
  request: ParseRequest;
  transfer: ArrayBuffer[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker | undefined;
  ready: boolean;
  queue: Job[];
  current: (Job & { call: number; timer: NodeJS.Timeout }) | undefined;
}

/** A copy in memory of its own, so that handing it to a thread moves it, not copies it. */
export function transferable(raw: Uint8Array): Uint8Array {
  const own = new Uint8Array(raw.length);
  own.set(raw);
  return own;
}

function emptySummary(problems: string[]): ParsedSummary {
  return { messageId: '', subject: '', from: null, to: [], cc: [], bcc: [], replyTo: [], date: null, text: '', snippet: '', attachments: 0, inline: 0, xTags: [], problems };
}

/** Same message, same thread: its parse is cached there (parse-cache.ts). */
function slotOf(id: string, slots: number): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(hash) % slots;
}

/**
 * The event-loop side of the parse threads. Each thread runs one parse at a time under a time
 * bound; a thread that overruns it, or dies, is replaced and its job fails with ParseFailure.
 * Summaries (which hold a client's 250) go to the least busy thread; opening a message goes to
 * the thread that has its parse cached.
 */
export class ParsePool {
  readonly #slots: Slot[];
  #nextCall = 1;
  #closed = false;

  constructor(private readonly options: ParsePoolOptions) {
    this.#slots = Array.from({ length: Math.max(1, options.threads) }, () => ({ worker: undefined, ready: false, queue: [], current: undefined }));
    // Started now: a thread takes ~150 ms to load mailparser, which the first message must not wait for.
    for (const slot of this.#slots) this.#spawn(slot);
  }

  /**
   * The summary of a message at ingest, never failing: past the time bound (or when its thread
   * dies) only the header is read, and the summary says so. The bytes come back (or a new copy)
   * for the writer.
   */
  async summarize(raw: Buffer): Promise<{ parsed: ParsedSummary; bytes: Uint8Array }> {
    try {
      const { parsed, raw: bytes } = await this.run({ op: 'summary', raw: transferable(raw), onlyHeader: false });
      return { parsed, bytes };
    } catch (error) {
      if (!(error instanceof ParseFailure)) throw error;
      const why = `${error.message}: only the header was read, the body shows in the raw source`;
      try {
        const { parsed, raw: bytes } = await this.run({ op: 'summary', raw: transferable(raw), onlyHeader: true });
        return { parsed: { ...parsed, problems: [why, ...parsed.problems] }, bytes };
      } catch (again) {
        if (!(again instanceof ParseFailure)) throw again;
        return { parsed: emptySummary([`${error.message}; reading only the header failed too (${again.message})`]), bytes: transferable(raw) };
      }
    }
  }

  run<K extends ParseRequest['op']>(request: Extract<ParseRequest, { op: K }>): Promise<ParseResults[K]> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    const transfer = 'raw' in request ? [request.raw.buffer as ArrayBuffer] : [];
    const slot = 'id' in request ? this.#slots[slotOf(request.id, this.#slots.length)]! : this.#leastBusy();
    return new Promise((resolve, reject) => {
      slot.queue.push({ request, transfer, resolve: resolve as (value: unknown) => void, reject });
      this.#pump(slot);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#slots.map(async (slot) => {
        for (const job of slot.queue.splice(0)) job.reject(new Error('the store is closed'));
        const worker = slot.worker;
        if (!worker) return;
        this.#forget(slot, new Error('the store is closed'));
        worker.postMessage('close');
        // A thread in the middle of a pathological parse does not get to the close: stop it.
        const stopped = setTimeout(() => void worker.terminate(), 1000);
        await new Promise((resolve) => worker.once('exit', resolve));
        clearTimeout(stopped);
      }),
    );
  }

  #leastBusy(): Slot {
    const load = (slot: Slot) => slot.queue.length + (slot.current ? 1 : 0) + (slot.ready ? 0 : 0.5);
    return this.#slots.reduce((best, slot) => (load(slot) < load(best) ? slot : best));
  }

  #spawn(slot: Slot): Worker {
    const init: ParseInit = { path: this.options.path };
    const worker = spawnThread('parse-thread', init, PARSE_HEAP);
    slot.worker = worker;
    slot.ready = false;
    worker.on('message', (reply: ParseReply) => {
      if (slot.worker !== worker) return;
      if ('ready' in reply) {
        slot.ready = true;
        this.#pump(slot);
        return;
      }
      this.#settle(slot, reply);
    });
    worker.on('error', (error) => slot.worker === worker && this.#fail(slot, new ParseFailure(`the parser stopped (${error.message})`)));
    worker.on('exit', (code) => slot.worker === worker && this.#fail(slot, new ParseFailure(`the parser stopped (exit code ${code})`)));
    return worker;
  }

  #pump(slot: Slot): void {
    if (this.#closed || slot.current || !slot.queue.length) return;
    const worker = slot.worker ?? this.#spawn(slot);
    if (!slot.ready) return;
    const job = slot.queue.shift()!;
    const call = this.#nextCall++;
    const seconds = this.options.timeoutMs / 1000;
    const timer = setTimeout(() => this.#fail(slot, new ParseFailure(`parsing took longer than ${seconds} s and was stopped`)), this.options.timeoutMs);
    slot.current = { ...job, call, timer };
    worker.postMessage({ ...job.request, call } satisfies ParseCall, job.transfer);
  }

  #settle(slot: Slot, reply: Exclude<ParseReply, { ready: true }>): void {
    const job = slot.current;
    if (!job || job.call !== reply.call) return;
    clearTimeout(job.timer);
    slot.current = undefined;
    if (reply.ok) job.resolve(reply.result);
    else job.reject(new ParseFailure(`the parser failed (${reply.error})`));
    this.#pump(slot);
  }

  /** The running job fails; the thread is replaced (the next job starts a new one). */
  #fail(slot: Slot, error: Error): void {
    const worker = slot.worker;
    this.#forget(slot, error);
    void worker?.terminate();
    this.#pump(slot);
  }

  #forget(slot: Slot, error: Error): void {
    const job = slot.current;
    slot.current = undefined;
    slot.worker = undefined;
    slot.ready = false;
    if (job) {
      clearTimeout(job.timer);
      job.reject(error);
    }
  }
}
