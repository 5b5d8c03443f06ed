import type { EventBus, EventMap } from '../events/bus.js';
import { DEFAULT_QUEUE_SETTINGS, DeliveryQueue, type WebhookTargetStats } from './delivery-queue.js';

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

export type { WebhookTargetStats } from './delivery-queue.js';
export { safeUrl } from './delivery-queue.js';

/**
 * POSTs bus events to webhook URLs. The bus listener only appends to a bounded queue, so a slow
 * or dead receiver can never hold up SMTP: when a queue is full its oldest delivery is dropped
 * and counted. Each URL has one delivery in flight at a time, in event order; a failed one is
 * retried with exponential backoff a bounded number of times, then given up (and counted).
 */
export class WebhookDispatcher {
  readonly #targets: DeliveryQueue[];
  readonly #unsubscribe: Array<() => void> = [];

  constructor(options: WebhookOptions) {
    const settings = { ...DEFAULT_QUEUE_SETTINGS, ...definedOnly(options) };
    this.#targets = options.urls.map((url) => new DeliveryQueue(url, settings, { fetch: options.fetch, warn: options.warn }));
    const headers = (event: string) => ({ 'Content-Type': 'application/json', 'User-Agent': `mailsim/${options.version}`, 'X-Mailsim-Event': event });
    for (const kind of new Set(options.events)) {
      const event = EVENTS[kind];
      this.#unsubscribe.push(
        options.bus.on(event, (payload) => {
          const body = JSON.stringify(payload);
          for (const target of this.#targets) target.enqueue({ label: event, body, headers: headers(event) });
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

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
