import type { Clock } from '../ports/contracts.js';
import { DEFAULT_QUEUE_SETTINGS, DeliveryQueue, type PostRecord, type QueueSettings, type WebhookTargetStats } from '../webhooks/delivery-queue.js';
import { mailgunPayload, type MailgunOptions } from './mailgun.js';
import { postmarkPayload, type PostmarkOptions } from './postmark.js';
import type { Payload, ProviderEvent, RandomSource } from './provider-event.js';
import { sendgridPayload, type SendGridOptions } from './sendgrid.js';
import { sesPayload, type SesOptions } from './ses-sns.js';

export type Destination =
  | { provider: 'sendgrid'; url: string; options: SendGridOptions }
  | { provider: 'ses'; url: string; options: SesOptions }
  | { provider: 'mailgun'; url: string; options: MailgunOptions }
  | { provider: 'postmark'; url: string; options: PostmarkOptions };

export type ProviderName = Destination['provider'];

export interface ProviderPostRecord extends PostRecord {
  provider: ProviderName;
}

export interface ProviderEventQueueOptions {
  destinations: readonly Destination[];
  random: RandomSource;
  clock: Clock;
  warn: (message: string) => void;
  fetch?: typeof fetch;
  settings?: Partial<QueueSettings>;
  /** Posts kept for history(); the oldest go first. */
  historySize?: number;
}

/** The provider's own payload for an event, or null where that provider posts nothing for it. */
function payloadFor(destination: Destination, event: ProviderEvent, random: RandomSource, now: number): Payload | null {
  switch (destination.provider) {
    case 'sendgrid':
      return sendgridPayload([event], random, destination.options, now);
    case 'ses':
      return sesPayload(event, random, destination.options, now);
    case 'mailgun':
      return mailgunPayload(event, random, destination.options, now);
    case 'postmark':
      return postmarkPayload(event, random, destination.options);
  }
}

/**
 * Posts provider events to the application's webhook URLs: each destination gets the event in
 * its provider's format, through one ordered, retrying DeliveryQueue per URL, and every attempt
 * is kept with its response status for the API to show.
 */
export class ProviderEventQueue {
  readonly #queues = new Map<string, DeliveryQueue>();
  readonly #history: ProviderPostRecord[] = [];
  readonly #settings: QueueSettings;

  constructor(private readonly options: ProviderEventQueueOptions) {
    this.#settings = { ...DEFAULT_QUEUE_SETTINGS, ...options.settings };
    for (const { url } of options.destinations) this.#queueFor(url);
  }

  /**
   * Posts the event to every fixed destination and to `extra` ones (a scenario's own
   * providerEvents): one ordered, retrying queue per URL, made on first use and kept.
   */
  publish(event: ProviderEvent, extra: readonly Destination[] = []): void {
    const now = this.options.clock.now();
    for (const destination of [...this.options.destinations, ...extra]) {
      const payload = payloadFor(destination, event, this.options.random, now);
      if (payload) this.#queueFor(destination.url).enqueue(payload);
    }
  }

  #queueFor(url: string): DeliveryQueue {
    let queue = this.#queues.get(url);
    if (!queue) {
      queue = new DeliveryQueue(url, this.#settings, { fetch: this.options.fetch, warn: this.options.warn, clock: this.options.clock, record: (record) => this.#record(record) });
      this.#queues.set(url, queue);
    }
    return queue;
  }

  history(): ProviderPostRecord[] {
    return [...this.#history];
  }

  stats(): WebhookTargetStats[] {
    return [...this.#queues.values()].map((queue) => queue.stats());
  }

  idle(): Promise<void> {
    return Promise.all([...this.#queues.values()].map((queue) => queue.idle())).then(() => undefined);
  }

  close(): void {
    for (const queue of this.#queues.values()) queue.close();
  }

  #record(record: PostRecord): void {
    // Labels start with the provider's name (see each payload builder).
    this.#history.push({ ...record, provider: record.label.split(' ')[0] as ProviderName });
    if (this.#history.length > (this.options.historySize ?? 1_000)) this.#history.shift();
  }
}
