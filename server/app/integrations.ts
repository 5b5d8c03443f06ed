import type { Config } from '../config/config.js';
import type { EventBus } from '../events/bus.js';
import { WaitRegistry } from '../http/waiting.js';
import type { Mailbox } from '../mail/mailbox.js';
import type { TaggingOptions, TagSource } from '../mail/tags.js';
import { Metrics } from '../metrics/metrics.js';
import { CONTENT_TYPE } from '../metrics/prometheus.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';

export interface IntegrationDeps {
  config: Config;
  bus: EventBus;
  mailbox: Mailbox;
  version: string;
  /** SMTP connections open now, over every listener. */
  activeSessions: () => number;
  warn: (message: string) => void;
}

/**
 * The CI-facing parts, built and stopped together by the harness: server-side waits,
 * webhooks and the Prometheus metrics. Each hangs off the event bus and never sits in the SMTP
 * path.
 */
export class Integrations {
  readonly waits = new WaitRegistry();
  readonly webhooks: WebhookDispatcher | undefined;
  readonly metrics: Metrics;

  constructor({ config, bus, mailbox, version, activeSessions, warn }: IntegrationDeps) {
    this.webhooks = config.webhook.length
      ? new WebhookDispatcher({ urls: config.webhook, events: config.webhookEvents, bus, version, warn })
      : undefined;
    this.metrics = new Metrics({
      bus,
      version,
      store: () => {
        const stats = mailbox.stats();
        return { messages: stats.Messages, bytes: stats.DatabaseSize, state: mailbox.storeState().state };
      },
      activeSessions,
      webhooks: this.webhooks && (() => this.webhooks!.stats()),
      openWaits: () => this.waits.size,
    });
  }

  /** GET /metrics. */
  scrape(): { contentType: string; text: string } {
    return { contentType: CONTENT_TYPE, text: this.metrics.render() };
  }

  /** First thing at shutdown: open waits answer 503 at once instead of holding the HTTP close. */
  endWaits(): void {
    this.waits.close();
  }

  close(): void {
    this.waits.close();
    this.webhooks?.close();
    this.metrics.close();
  }
}

/** Where new messages get tags from, from --tags-disable and --tags-username. */
export function taggingOptions(config: Pick<Config, 'tagsDisable' | 'tagsUsername'>): TaggingOptions {
  const sources: TagSource[] = (['x-tags', 'plus-addresses'] as const).filter((source) => !config.tagsDisable.includes(source));
  if (config.tagsUsername) sources.push('username');
  return { sources };
}
