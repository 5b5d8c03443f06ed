import { siblingModule } from '../util/spawn-thread.js';
import { ThreadCalls } from '../util/thread-calls.js';
import type { HtmlCheckCall } from './html-check-thread.js';

/** The scan keeps the body, its CSS and the report: well under this for a 25 MiB message. */
const HEAP = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 16 };
/** A check running longer is given up and its thread replaced (a 20 MiB body takes a few seconds). */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Mailpit's HTML compatibility check, on a thread of its own (util/thread-calls.ts), started on
 * the first check; the thread runs checks one at a time in arrival order.
 */
export class HtmlCheckPool {
  readonly #calls: ThreadCalls<Omit<HtmlCheckCall, 'call'>, string>;

  constructor(timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.#calls = new ThreadCalls({ entry: siblingModule(import.meta.url, 'html-check-thread'), resourceLimits: HEAP, timeoutMs, name: 'the html check' });
  }

  /** The report as JSON (Mailpit's HTMLCheckResponse). */
  check(html: string): Promise<string> {
    // Encoding is a memcpy-speed pass; the bytes are then moved, where cloning a 20 MiB string holds the loop.
    const bytes = Buffer.from(html, 'utf8');
    const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length ? bytes : Uint8Array.prototype.slice.call(bytes);
    return this.#calls.call({ html: own }, [own.buffer as ArrayBuffer]);
  }

  close(): Promise<void> {
    return this.#calls.close();
  }
}
