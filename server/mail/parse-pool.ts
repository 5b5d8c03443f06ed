import type { Worker } from 'node:worker_threads';
import { emptySummary, type ParsedSummary } from './summary.js';
import type { ParseCall, ParseInit, ParseReply, ParseRequest, ParseResults, ParseThreadMessage } from './parse-protocol.js';
import { transferable, transferList } from './shared-bytes.js';
import { spawnThread } from './thread-spawn.js';

/**
 * A parse may hold a 25 MiB message decoded, as text and as HTML at once (~150 MB); past this
 * the thread dies with ERR_WORKER_OUT_OF_MEMORY and the message is shown from its header. The
 * young generation as small as the writer's (writer-client.ts: RSS).
 */
const PARSE_HEAP = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 6 };

export interface ParsePoolOptions {
  /** The database the threads read raw messages from. */
  path: string;
  /** Threads: the first takes the work, the others only while the ones before are stuck. */
  threads: number;
  /** A parse running longer is stopped (its thread is replaced). */
  timeoutMs: number;
}

/**
 * A thread is handed this many jobs at once and runs them one after the other: it never waits
 * for the event loop between two messages (one job at a time cost 40% of throughput).
 */
const QUEUED_PER_THREAD = 4;

/**
 * A parse running this long is a slow one: the jobs queued behind it move to the spare thread.
 * One thread is cheaper than two taking turns (1.7 against 1.9-2.5 ms of CPU per 4 KiB message
 * on this 2-core machine), so the spare only takes work while the first is stuck. A message
 * parses in a few milliseconds; on this loaded machine a thread waiting for a core can take
 * tens, hence not less.
 */
const SLOW_PARSE_MS = 100;
/**
 * The spare starts when the first thread is first stuck on a slow parse, and stops after this
 * long idle. It used to start with the first thread's first job, so that it was warm when a slow
 * parse came (a thread takes 0.3-2 s to start on this loaded machine); but under a steady load
 * that kept it running (restarted at the next job after each idle stop) for a parse that is rare,
 * and a parse thread holds 12-17 MB of RSS (issue 14: peak RSS under 150 MB). Once started, it
 * stays for a minute, so a run of slow messages finds it warm.
 */
const SPARE_IDLE_MS = 60_000;

/** Why a parse gave no answer: it ran past the time bound, or its thread died (out of memory). */
export class ParseFailure extends Error {
  override readonly name = 'ParseFailure';
}

interface Job {
  /** Made anew each time the job is handed to a thread: a summary's bytes move with it. */
  make: () => ParseRequest;
  /** A summary: it holds a client's 250, so it goes ahead of opening messages. */
  first: boolean;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Handed extends Job {
  call: number;
}

interface Slot {
  worker: Worker | undefined;
  ready: boolean;
  /** A spare's stop when it stays idle. */
  idle: NodeJS.Timeout | undefined;
  /** In the thread's order: the first is running, the others wait behind it. */
  handed: Handed[];
  /** The time bound and the slow-parse check of the running job. */
  timers: NodeJS.Timeout[];
  started: number;
}

/**
 * The event-loop side of the parse threads: one queue, summaries (which hold a client's 250)
 * ahead of opening messages. A thread runs its jobs one at a time, each under a time bound; a
 * thread that overruns it, or dies, is replaced and the running job fails with ParseFailure.
 */
export class ParsePool {
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  #nextCall = 1;
  #closed = false;

  /** Threads start when there is work for them (~150 ms to load mailparser), not with mailsim. */
  constructor(private readonly options: ParsePoolOptions) {
    this.#slots = Array.from({ length: Math.max(1, options.threads) }, () => ({ worker: undefined, ready: false, idle: undefined, handed: [], timers: [], started: 0 }));
  }

  /**
   * The summary of a message at ingest, never failing: past the time bound (or when its thread
   * dies) only the header is read, and the summary says so. The bytes come back (or a new copy)
   * for the writer. A spooled message (`spool`: raw from `offset` on is that file's content) is
   * read by the thread from its file, and `raw` itself is what the writer gets: this thread
   * hands it over (moves it) without a copy.
   */
  async summarize(raw: Buffer, spool?: { path: string; offset: number }): Promise<{ parsed: ParsedSummary; bytes: Uint8Array }> {
    const request = (onlyHeader: boolean): ParseRequest =>
      spool ? { op: 'summary', raw: transferable(raw.subarray(0, spool.offset)), onlyHeader, spool: spool.path } : { op: 'summary', raw: transferable(raw), onlyHeader };
    const summary = (onlyHeader: boolean) =>
      this.#submit<ParseResults['summary']>(() => request(onlyHeader), true).then(({ parsed, raw: bytes }) => ({ parsed, bytes: spool ? raw : bytes }));
    try {
      return await summary(false);
    } catch (error) {
      if (!(error instanceof ParseFailure)) throw error;
      try {
        const { parsed, bytes } = await summary(true);
        return { parsed: { ...parsed, problems: [`${error.message}: only the header was read, the body shows in the raw source`, ...parsed.problems] }, bytes };
      } catch (again) {
        if (!(again instanceof ParseFailure)) throw again;
        return { parsed: emptySummary([`${error.message}; reading only the header failed too (${again.message})`]), bytes: spool ? raw : transferable(raw) };
      }
    }
  }

  /** What opening a message needs: its view, a part, its header map, a /view page. */
  run<K extends Exclude<ParseRequest['op'], 'summary'>>(request: Extract<ParseRequest, { op: K }>): Promise<ParseResults[K]> {
    return this.#submit(() => request, false);
  }

  /** Threads started (running or starting): the first once there is work, a spare once it is stuck. */
  get threads(): number {
    return this.#slots.filter((slot) => slot.worker).length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('the store is closed'));
    await Promise.all(
      this.#slots.map(async (slot) => {
        const worker = slot.worker;
        if (!worker) return;
        this.#forget(slot, new Error('the store is closed'));
        worker.postMessage('close' satisfies ParseThreadMessage);
        // A thread in the middle of a pathological parse does not get to the close: stop it.
        const stopped = setTimeout(() => void worker.terminate(), 1000);
        await new Promise((resolve) => worker.once('exit', resolve));
        clearTimeout(stopped);
      }),
    );
  }

  #submit<T>(make: () => ParseRequest, first: boolean): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    return new Promise((resolve, reject) => {
      const job: Job = { make, first, resolve: resolve as (value: unknown) => void, reject };
      const after = first ? this.#queue.findIndex((queued) => !queued.first) : -1;
      this.#queue.splice(after < 0 ? this.#queue.length : after, 0, job);
      this.#pump();
    });
  }

  /**
   * The first thread takes jobs while it is not stuck; a later one only while every thread
   * before it is stuck on a slow parse. A thread not running is started (the first again after
   * a timeout replaced it).
   */
  #pump(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (!this.#queue.length) return;
      if (!slot.worker) this.#spawn(slot);
      else if (slot.ready && !this.#stuck(slot)) this.#hand(slot);
      if (!this.#stuck(slot)) return;
    }
  }

  #stuck(slot: Slot): boolean {
    return slot.ready && slot.handed.length > 0 && Date.now() - slot.started >= SLOW_PARSE_MS;
  }

  #hand(slot: Slot): void {
    while (this.#queue.length && slot.handed.length < QUEUED_PER_THREAD) {
      const job = this.#queue.shift()!;
      const call = this.#nextCall++;
      const request = job.make();
      const transfer = 'raw' in request ? transferList(request.raw) : [];
      clearTimeout(slot.idle);
      slot.handed.push({ ...job, call });
      slot.worker!.postMessage({ ...request, call } satisfies ParseCall, transfer);
      if (slot.handed.length === 1) this.#running(slot);
    }
  }

  /** The first handed job has started (the one before it answered): its clock starts. */
  #running(slot: Slot): void {
    for (const timer of slot.timers) clearTimeout(timer);
    slot.timers = [];
    if (!slot.handed.length) return;
    slot.started = Date.now();
    const seconds = this.options.timeoutMs / 1000;
    slot.timers = [
      setTimeout(() => this.#fail(slot, new ParseFailure(`parsing took longer than ${seconds} s and was stopped`)), this.options.timeoutMs),
      setTimeout(() => this.#slow(slot), SLOW_PARSE_MS),
    ];
  }

  /** The running job is slow: the jobs waiting behind it go back to the queue, for the next thread. */
  #slow(slot: Slot): void {
    if (slot === this.#slots.at(-1)) return;
    const waiting = slot.handed.splice(1);
    for (const job of waiting) slot.worker?.postMessage({ cancel: job.call } satisfies ParseThreadMessage);
    this.#queue.unshift(...waiting);
    this.#pump();
  }

  #spawn(slot: Slot): void {
    const init: ParseInit = { path: this.options.path };
    const worker = spawnThread('parse-thread', init, PARSE_HEAP);
    slot.worker = worker;
    slot.ready = false;
    worker.on('message', (reply: ParseReply) => {
      if (slot.worker !== worker) return;
      if ('ready' in reply) {
        slot.ready = true;
        this.#pump();
        this.#idle(slot);
        return;
      }
      this.#settle(slot, reply);
    });
    worker.on('error', (error) => slot.worker === worker && this.#fail(slot, new ParseFailure(`the parser stopped (${error.message})`)));
    worker.on('exit', (code) => slot.worker === worker && this.#fail(slot, new ParseFailure(`the parser stopped (exit code ${code})`)));
  }

  #settle(slot: Slot, reply: Exclude<ParseReply, { ready: true }>): void {
    // A job taken back from a slow thread may still answer from it: the other thread's answer counts.
    const index = slot.handed.findIndex((job) => job.call === reply.call);
    if (index < 0) return;
    const [job] = slot.handed.splice(index, 1);
    if (index === 0) this.#running(slot);
    if (reply.ok) job!.resolve(reply.result);
    else job!.reject(new ParseFailure(`the parser failed (${reply.error})`));
    this.#pump();
    this.#idle(slot);
  }

  /** A spare with nothing handed stops after a while; the first thread stays. */
  #idle(slot: Slot): void {
    if (slot === this.#slots[0] || slot.handed.length) return;
    clearTimeout(slot.idle);
    slot.idle = setTimeout(() => {
      const worker = slot.worker;
      if (!worker || slot.handed.length) return;
      this.#forget(slot, new Error('idle'));
      void worker.terminate();
    }, SPARE_IDLE_MS).unref();
  }

  /** The running job fails; those waiting behind it go back to the queue; the thread is replaced. */
  #fail(slot: Slot, error: Error): void {
    const worker = slot.worker;
    const waiting = slot.handed.splice(1);
    this.#forget(slot, error);
    this.#queue.unshift(...waiting);
    void worker?.terminate();
    this.#pump();
  }

  #forget(slot: Slot, error: Error): void {
    const running = slot.handed.shift();
    for (const job of slot.handed.splice(0)) job.reject(error);
    for (const timer of slot.timers) clearTimeout(timer);
    slot.timers = [];
    clearTimeout(slot.idle);
    slot.worker = undefined;
    slot.ready = false;
    running?.reject(error);
  }
}
