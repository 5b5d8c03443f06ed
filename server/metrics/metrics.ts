import type { EventBus } from '../events/bus.js';
import type { SessionOutcome } from '../protocol.js';
import type { WebhookTargetStats } from '../webhooks/dispatcher.js';
import { EventLoopMonitor } from './event-loop.js';
import { type Family, LabelledCounter, render } from './prometheus.js';

/** Outcomes in which the server refused the client: counted by reply code. */
const REFUSED: ReadonlySet<SessionOutcome> = new Set(['rejected', 'deferred', 'auth-failed']);

export interface MetricsSources {
  bus: EventBus;
  version: string;
  /** Read at scrape time. `state`: whether the store takes new mail (mail/mailbox.ts StoreState). */
  store: () => { messages: number; bytes: number; state?: string };
  activeSessions: () => number;
  webhooks?: () => WebhookTargetStats[];
  openWaits?: () => number;
}

/**
 * GET /metrics: counters fed by bus events, gauges read when scraped. Counters count since
 * start-up and are not zeroed by POST /api/v1/reset (Prometheus expects them never to go down).
 */
export class Metrics {
  #accepted = 0;
  #acceptedBytes = 0;
  readonly #rejected = new LabelledCounter(['code']);
  readonly #sessions = new LabelledCounter(['outcome']);
  readonly #faults = new LabelledCounter(['scenario', 'source', 'name']);
  readonly #unsubscribe: Array<() => void>;
  readonly #eventLoop = new EventLoopMonitor();

  constructor(private readonly sources: MetricsSources) {
    const { bus } = sources;
    this.#unsubscribe = [
      bus.on('message.received', (message) => {
        this.#accepted++;
        this.#acceptedBytes += message.Size;
      }),
      bus.on('session.closed', (session) => {
        this.#sessions.inc({ outcome: session.Outcome });
        if (REFUSED.has(session.Outcome)) this.#rejected.inc({ code: String(session.OutcomeCode ?? '') });
      }),
      bus.on('fault.fired', (fault) => this.#faults.inc({ scenario: fault.Scenario ?? '', source: fault.Source, name: fault.Name })),
    ];
  }

  render(): string {
    const { sources } = this;
    const store = sources.store();
    const webhooks = sources.webhooks?.() ?? [];
    const perWebhook = (pick: (w: WebhookTargetStats) => number) => webhooks.map((w) => ({ labels: { url: w.url }, value: pick(w) }));
    const families: Family[] = [
      { name: 'mailsim_info', help: 'Version of this mailsim.', type: 'gauge', series: [{ labels: { version: sources.version }, value: 1 }] },
      { name: 'mailsim_messages_accepted_total', help: 'Messages accepted and stored.', type: 'counter', series: [{ value: this.#accepted }] },
      { name: 'mailsim_messages_accepted_bytes_total', help: 'Bytes of the messages accepted.', type: 'counter', series: [{ value: this.#acceptedBytes }] },
      {
        name: 'mailsim_messages_rejected_total',
        help: 'SMTP sessions that ended rejected, deferred or auth-failed, by the reply code behind the outcome.',
        type: 'counter',
        series: this.#rejected.series(),
      },
      { name: 'mailsim_sessions_total', help: 'SMTP sessions closed, by outcome.', type: 'counter', series: this.#sessions.series() },
      { name: 'mailsim_sessions_active', help: 'SMTP connections open now.', type: 'gauge', series: [{ value: sources.activeSessions() }] },
      { name: 'mailsim_faults_fired_total', help: 'Fault decisions that changed what a client experienced, by scenario, source and rule or limit name.', type: 'counter', series: this.#faults.series() },
      { name: 'mailsim_store_messages', help: 'Messages in the store.', type: 'gauge', series: [{ value: store.messages }] },
      { name: 'mailsim_store_size_bytes', help: 'Size of the SQLite database.', type: 'gauge', series: [{ value: store.bytes }] },
      ...this.#eventLoop.families(),
    ];
    if (store.state !== undefined) {
      const states = ['ok', 'full', 'failed'];
      const series = states.map((state) => ({ labels: { state }, value: store.state === state ? 1 : 0 }));
      families.push({ name: 'mailsim_store_state', help: 'Whether the store takes new mail: 1 for its state (full: the disk or database is full, new mail is answered 452 4.3.1; failed: its writer stopped).', type: 'gauge', series });
    }
    if (webhooks.length) {
      families.push(
        { name: 'mailsim_webhook_deliveries_total', help: 'Webhook POSTs answered with 2xx.', type: 'counter', series: perWebhook((w) => w.delivered) },
        { name: 'mailsim_webhook_failures_total', help: 'Webhook deliveries given up after the last attempt.', type: 'counter', series: perWebhook((w) => w.failed) },
        { name: 'mailsim_webhook_retries_total', help: 'Webhook attempts that failed and were tried again.', type: 'counter', series: perWebhook((w) => w.retried) },
        { name: 'mailsim_webhook_dropped_total', help: 'Webhook deliveries dropped from a full queue or at shutdown.', type: 'counter', series: perWebhook((w) => w.dropped) },
        { name: 'mailsim_webhook_queue_length', help: 'Webhook deliveries waiting.', type: 'gauge', series: perWebhook((w) => w.queued) },
      );
    }
    if (sources.openWaits) {
      families.push({ name: 'mailsim_api_waits_open', help: 'Open GET /api/v1/wait and /api/v1/sessions/wait requests.', type: 'gauge', series: [{ value: sources.openWaits() }] });
    }
    return render(families);
  }

  close(): void {
    this.#eventLoop.close();
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}
