import { Worker } from 'node:worker_threads';
import type { HtmlCheckCall, HtmlCheckReply } from './html-check-thread.js';

/** The scan keeps the body, its CSS and the report: well under this for a 25 MiB message. */
const HEAP = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 16 };
/** A check running longer is given up and its thread replaced (a 20 MiB body takes a few seconds). */
const DEFAULT_TIMEOUT_MS = 30_000;

/** Built code loads the `.js` thread; from the TypeScript sources (tsx, vitest) the thread registers tsx's loader first. */
function spawn(): Worker {
  const entry = new URL(`./html-check-thread.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { resourceLimits: HEAP });
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, resourceLimits: HEAP });
}

interface Pending {
  resolve: (json: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Mailpit's HTML compatibility check, on a thread of its own: started on the first check,
 * unref'd while idle so it never keeps the process alive; checks run one at a time in arrival
 * order. A thread that dies or times out fails what it holds; the next check starts a new one.
 */
export class HtmlCheckPool {
  #worker: Worker | undefined;
  #next = 1;
  readonly #pending = new Map<number, Pending>();
  #closed = false;

  constructor(private readonly timeoutMs = DEFAULT_TIMEOUT_MS) {}

  /** The report as JSON (Mailpit's HTMLCheckResponse). */
  check(html: string): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('the html check is stopped'));
    const worker = this.#thread();
    const call = this.#next++;
    // Encoding is a memcpy-speed pass; the bytes are then moved, where cloning a 20 MiB string holds the loop.
    const bytes = Buffer.from(html, 'utf8');
    const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length ? bytes : Uint8Array.prototype.slice.call(bytes);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`the html check took longer than ${this.timeoutMs / 1000} s`), true), this.timeoutMs);
      this.#pending.set(call, { resolve, reject, timer });
      worker.ref();
      const message: HtmlCheckCall = { call, html: own };
      worker.postMessage(message, [own.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#fail(new Error('the html check is stopped'), true);
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = spawn();
    worker.unref();
    worker.on('message', (reply: HtmlCheckReply) => this.#settle(reply));
    worker.on('error', (error) => this.#fail(error, false));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#fail(new Error(`the html check thread stopped (exit ${code})`), false);
    });
    this.#worker = worker;
    return worker;
  }

  #settle(reply: HtmlCheckReply): void {
    const pending = this.#pending.get(reply.call);
    if (!pending) return;
    this.#pending.delete(reply.call);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.json);
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
