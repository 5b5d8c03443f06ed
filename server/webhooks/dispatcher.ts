import type { EventBus, EventMap } from '../events/bus.js';

export const WEBHOOK_EVENT_KINDS = ['messages', 'sessions'] as const;
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];

/** Which bus event each kind forwards; the body is the event's payload, as JSON. */
const EVENTS = { messages: 'message.received', sessions: 'session.closed' } as const satisfies Record<WebhookEventKind, keyof EventMap>;

export interface WebhookOptions {
  urls: readonly string[];
  events: readonly WebhookEventKind[];
  bus: EventBus;
  /** Sent as the User-Agent: "mailsim/0.1.0". */
  version: string;
  warn: (message: string) => void;
  /** Deliveries waiting per URL; beyond this the oldest is dropped (and counted). */
  queueSize?: number;
  /** Tries per delivery, the first included. */
  attempts?: number;
  /** Wait before the first retry; it doubles for each further one, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A POST that has not answered in this long counts as failed. */
  timeoutMs?: number;
  fetch?: typeof fetch;
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

const DEFAULTS = { queueSize: 1_000, attempts: 5, backoffMs: 500, maxBackoffMs: 30_000, timeoutMs: 10_000 };

interface Delivery {
  event: string;
  body: string;
  attempt: number;
}

/** Statuses worth retrying among the 4xx: the receiver may accept the same request later. */
const RETRY_4XX = new Set([408, 425, 429]);

/**
 * POSTs bus events to webhook URLs. The bus listener only appends to a bounded queue, so a slow
 * or dead receiver can never hold up SMTP: when a queue is full its oldest delivery is dropped
 * and counted. Each URL has one delivery in flight at a time, in event order; a failed one is
 * retried with exponential backoff a bounded number of times, then given up (and counted).
 */
export class WebhookDispatcher {
  readonly #targets: WebhookTarget[];
  readonly #unsubscribe: Array<() => void> = [];

  constructor(options: WebhookOptions) {
    const settings = { ...DEFAULTS, ...definedOnly(options) };
    this.#targets = options.urls.map((url) => new WebhookTarget(url, settings, options.fetch ?? fetch, options.version, options.warn));
    for (const kind of new Set(options.events)) {
      const event = EVENTS[kind];
      this.#unsubscribe.push(
        options.bus.on(event, (payload) => {
          const body = JSON.stringify(payload);
          for (const target of this.#targets) target.enqueue({ event, body, attempt: 0 });
        }),
      );
    }
  }

  stats(): WebhookTargetStats[] {
    return this.#targets.map((target) => target.stats());
  }

  /** Resolves once every queue is empty and nothing is in flight (for tests). */
  idle(): Promise<void> {
    return Promise.all(this.#targets.map((target) => target.idle())).then(() => undefined);
  }

  /** Stops listening, abandons retries and aborts requests in flight; what was queued is dropped. */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const target of this.#targets) target.close();
  }
}

type Settings = typeof DEFAULTS;

class WebhookTarget {
  readonly #queue: Delivery[] = [];
  readonly #stats: WebhookTargetStats;
  #busy = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #abort: AbortController | undefined;
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly url: string,
    private readonly settings: Settings,
    private readonly fetcher: typeof fetch,
    private readonly version: string,
    private readonly warn: (message: string) => void,
  ) {
    this.#stats = { url: safeUrl(url), delivered: 0, failed: 0, retried: 0, dropped: 0, queued: 0 };
  }

  stats(): WebhookTargetStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  enqueue(delivery: Delivery): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.settings.queueSize) {
      this.#queue.shift();
      this.#stats.dropped++;
    }
    this.#queue.push(delivery);
    if (!this.#busy) this.#next();
  }

  idle(): Promise<void> {
    if (!this.#busy && !this.#queue.length) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort?.abort();
    // The delivery in flight (or waiting for its retry) is abandoned too.
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
    const problem = await this.#post(delivery);
    if (this.#closed) return;
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
    this.warn(`webhook ${this.#stats.url}: gave up on a ${delivery.event} delivery after ${delivery.attempt} attempt${delivery.attempt === 1 ? '' : 's'}: ${problem.reason}`);
    this.#next();
  }

  /** null on success, else why it failed and whether another attempt may succeed. */
  async #post(delivery: Delivery): Promise<{ reason: string; retry: boolean } | null> {
    const abort = new AbortController();
    this.#abort = abort;
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.settings.timeoutMs} ms`)), this.settings.timeoutMs);
    try {
      const response = await this.fetcher(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': `mailsim/${this.version}`, 'X-Mailsim-Event': delivery.event },
        body: delivery.body,
        signal: abort.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return null;
      return { reason: `HTTP ${response.status}`, retry: response.status >= 500 || RETRY_4XX.has(response.status) };
    } catch (error) {
      const cause = abort.signal.aborted ? abort.signal.reason : error;
      return { reason: cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause), retry: true };
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

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
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
