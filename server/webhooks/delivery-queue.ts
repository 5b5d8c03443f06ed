import { type Clock, systemClock } from '../ports/contracts.js';

export interface QueueSettings {
  /** Deliveries waiting; beyond this the oldest is dropped (and counted). */
  queueSize: number;
  /** Tries per delivery, the first included. */
  attempts: number;
  /** Wait before the first retry; it doubles for each further one, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A POST that has not answered in this long counts as failed. */
  timeoutMs: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { queueSize: 1_000, attempts: 5, backoffMs: 500, maxBackoffMs: 30_000, timeoutMs: 10_000 };

export interface Post {
  /** What it is, for logs and records ("message.received", "sendgrid delivered"). */
  label: string;
  body: string;
  headers: Record<string, string>;
}

/** One attempt at one POST, as it went. */
export interface PostRecord {
  url: string;
  label: string;
  attempt: number;
  at: number;
  /** The HTTP status, or null when no response came (refused, reset, timed out). */
  status: number | null;
  ok: boolean;
  error?: string;
}

export interface WebhookTargetStats {
  /** The URL without credentials or query string (safe for logs and metric labels). */
  url: string;
  delivered: number;
  /** Deliveries abandoned after the last attempt. */
  failed: number;
  /** Attempts that failed and were tried again. */
  retried: number;
  /** Deliveries dropped from a full queue, or unfinished when mailsim stopped. */
  dropped: number;
  queued: number;
}

export interface QueueDeps {
  fetch?: typeof fetch;
  warn: (message: string) => void;
  /** Called for every attempt with its outcome. */
  record?: (record: PostRecord) => void;
  clock?: Clock;
}

interface Delivery extends Post {
  attempt: number;
}

/** Statuses worth retrying among the 4xx: the receiver may accept the same request later. */
const RETRY_4XX = new Set([408, 425, 429]);

/**
 * POSTs to one URL, one request in flight at a time and in the order enqueued. A failed POST
 * (5xx, 408/425/429, no answer) is retried with exponential backoff a bounded number of times,
 * then given up and counted; other 4xx are not retried. Enqueueing only appends to a bounded
 * queue, so a slow or dead receiver never holds up the caller. Credentials in the URL
 * (https://user:pass@host/, as Postmark documents for its webhooks) become a Basic
 * Authorization header: fetch refuses URLs that carry them.
 */
export class DeliveryQueue {
  readonly #queue: Delivery[] = [];
  readonly #stats: WebhookTargetStats;
  readonly #target: string;
  readonly #auth: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #clock: Clock;
  #busy = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #abort: AbortController | undefined;
  #idleWaiters: Array<() => void> = [];

  constructor(
    url: string,
    private readonly settings: QueueSettings,
    private readonly deps: QueueDeps,
  ) {
    this.#stats = { url: safeUrl(url), delivered: 0, failed: 0, retried: 0, dropped: 0, queued: 0 };
    ({ target: this.#target, auth: this.#auth } = splitCredentials(url));
    this.#fetch = deps.fetch ?? fetch;
    this.#clock = deps.clock ?? systemClock;
  }

  stats(): WebhookTargetStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  enqueue(post: Post): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.settings.queueSize) {
      this.#queue.shift();
      this.#stats.dropped++;
    }
    this.#queue.push({ ...post, attempt: 0 });
    if (!this.#busy) this.#next();
  }

  /** Resolves once the queue is empty and nothing is in flight. */
  idle(): Promise<void> {
    if (!this.#busy && !this.#queue.length) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Abandons retries and aborts the request in flight; what was queued is dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort?.abort();
    this.#stats.dropped += this.#queue.length + (this.#busy ? 1 : 0);
    this.#queue.length = 0;
    this.#settleIdle();
  }

  #next(): void {
    const delivery = this.#queue.shift();
    if (!delivery || this.#closed) {
      this.#busy = false;
      this.#settleIdle();
      return;
    }
    this.#busy = true;
    void this.#attempt(delivery);
  }

  async #attempt(delivery: Delivery): Promise<void> {
    delivery.attempt++;
    const outcome = await this.#post(delivery);
    if (this.#closed) return;
    this.deps.record?.({ url: this.#stats.url, label: delivery.label, attempt: delivery.attempt, at: this.#clock.now(), status: outcome.status, ok: outcome.problem === null, ...(outcome.problem && { error: outcome.problem.reason }) });
    const { problem } = outcome;
    if (problem === null) {
      this.#stats.delivered++;
      return this.#next();
    }
    if (problem.retry && delivery.attempt < this.settings.attempts) {
      this.#stats.retried++;
      const delay = Math.min(this.settings.backoffMs * 2 ** (delivery.attempt - 1), this.settings.maxBackoffMs);
      this.#timer = setTimeout(() => void this.#attempt(delivery), delay);
      this.#timer.unref();
      return;
    }
    this.#stats.failed++;
    this.deps.warn(`webhook ${this.#stats.url}: gave up on a ${delivery.label} delivery after ${delivery.attempt} attempt${delivery.attempt === 1 ? '' : 's'}: ${problem.reason}`);
    this.#next();
  }

  async #post(delivery: Delivery): Promise<{ status: number | null; problem: { reason: string; retry: boolean } | null }> {
    const abort = new AbortController();
    this.#abort = abort;
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.settings.timeoutMs} ms`)), this.settings.timeoutMs);
    try {
      const headers = this.#auth ? { ...delivery.headers, Authorization: this.#auth } : delivery.headers;
      const response = await this.#fetch(this.#target, { method: 'POST', headers, body: delivery.body, signal: abort.signal });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { status: response.status, problem: null };
      return { status: response.status, problem: { reason: `HTTP ${response.status}`, retry: response.status >= 500 || RETRY_4XX.has(response.status) } };
    } catch (error) {
      const cause = abort.signal.aborted ? abort.signal.reason : error;
      return { status: null, problem: { reason: cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause), retry: true } };
    } finally {
      clearTimeout(timer);
      this.#abort = undefined;
    }
  }

  #settleIdle(): void {
    if (this.#busy && !this.#closed) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

/** Credentials and query strings often carry secrets: keep them out of logs and labels. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url;
  }
}

function splitCredentials(url: string): { target: string; auth: string | undefined } {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return { target: url, auth: undefined };
    const auth = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
    return { target: parsed.toString(), auth };
  } catch {
    return { target: url, auth: undefined };
  }
}
