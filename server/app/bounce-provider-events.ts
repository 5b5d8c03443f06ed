import { randomBytes } from 'node:crypto';
import type { DeliveryEvent, EventBus } from '../events/bus.js';
import type { Clock } from '../ports/contracts.js';
import type { MailboxReader } from '../ports/mailbox.js';
import { type Destination, ProviderEventQueue, type ProviderName, type ProviderPostRecord } from '../provider-events/event-queue.js';
import type { ProviderEvent } from '../provider-events/provider-event.js';
import { sendgridVerificationKey } from '../provider-events/sendgrid.js';
import type { ProviderKeys } from '../provider-events/signing-keys.js';
import { headerMap } from '../util/headers.js';
import { DROPPED_TAG } from './bounce-sender.js';

export interface ProviderTarget {
  provider: ProviderName;
  url: string;
  /** mailgun: this target's signing key instead of the shared one. */
  signingKey?: string | undefined;
  /** ses: SNS SignatureVersion. */
  signatureVersion?: '1' | '2' | undefined;
}

export interface ProviderEventsOptions {
  targets: readonly ProviderTarget[];
  /** Mailgun's HTTP webhook signing key; generated when absent. */
  mailgunSigningKey?: string | undefined;
  /** mailsim's own API, where the SNS signing certificate is served. */
  apiBase: string;
  bus: EventBus;
  mailbox: Pick<MailboxReader, 'get'>;
  clock: Clock;
  warn: (message: string) => void;
  fetch?: typeof fetch;
  /** The providerEvents of the scenario a delivery event's message was accepted under. */
  scenarioTargets?: (scenario: string) => readonly ProviderTarget[];
}

/** What a receiver needs to verify the posts (GET /api/v1/provider-events/keys). */
export interface ProviderKeyInfo {
  /** SendGrid's "Verification Key": base64 DER SubjectPublicKeyInfo of the EC P-256 key. */
  SendGridVerificationKey: string;
  MailgunSigningKey: string;
  /** Where SNS's SigningCertURL points: mailsim's stand-in certificate. */
  SnsSigningCertURL: string;
}

export const SNS_CERT_PATH = '/api/v1/provider-events/sns-certificate.pem';
/** A made-up AWS account and topic: SES notifications name them, no AWS is contacted. */
const SES = { region: 'us-east-1', accountId: '123456789012', topicArn: 'arn:aws:sns:us-east-1:123456789012:mailsim-ses-notifications' };

/**
 * Provider event webhooks, built only from delivery.event (PLAN-S18): each event becomes the
 * provider's own JSON (server/provider-events/), signed as that provider signs, and goes through
 * the retrying ordered queue; every post is kept with its response status.
 */
export class ProviderEvents {
  readonly #queue: ProviderEventQueue;
  readonly #off: () => void;

  private constructor(
    private readonly options: ProviderEventsOptions,
    readonly keys: ProviderKeys,
  ) {
    const destinations = options.targets.map((target) => destinationFor(target, keys, options.apiBase));
    this.#queue = new ProviderEventQueue({ destinations, random: { bytes: randomBytes }, clock: options.clock, warn: options.warn, ...(options.fetch && { fetch: options.fetch }) });
    this.#off = options.bus.on('delivery.event', (event) => this.#publish(event));
  }

  static async create(options: ProviderEventsOptions): Promise<ProviderEvents> {
    // Loaded here, not with mailsim: @peculiar/x509 and its ASN.1 codecs cost ~200 ms of CPU to
    // import, at every start, for the few runs that sign provider webhooks.
    const { generateProviderKeys } = await import('../provider-events/signing-keys.js');
    const keys = await generateProviderKeys(Date.now());
    if (options.mailgunSigningKey) keys.mailgunSigningKey = options.mailgunSigningKey;
    return new ProviderEvents(options, keys);
  }

  keyInfo(): ProviderKeyInfo {
    return { SendGridVerificationKey: sendgridVerificationKey(this.keys.sendgrid), MailgunSigningKey: this.keys.mailgunSigningKey, SnsSigningCertURL: `${this.options.apiBase}${SNS_CERT_PATH}` };
  }

  history(): ProviderPostRecord[] {
    return this.#queue.history();
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  close(): void {
    this.#off();
    this.#queue.close();
  }

  #publish(event: DeliveryEvent): void {
    const own = this.options.scenarioTargets?.(event.scenario) ?? [];
    this.#queue.publish(
      providerEvent(event, this.options.mailbox),
      own.map((target) => destinationFor(target, this.keys, this.options.apiBase)),
    );
  }
}

function destinationFor({ provider, url, signingKey, signatureVersion }: ProviderTarget, keys: ProviderKeys, apiBase: string): Destination {
  switch (provider) {
    case 'sendgrid':
      return { provider, url, options: { privateKey: keys.sendgrid } };
    case 'ses':
      return { provider, url, options: { ...SES, signingCertUrl: `${apiBase}${SNS_CERT_PATH}`, unsubscribeUrl: `${apiBase}/api/v1/provider-events/unsubscribe`, privateKey: keys.sns.key, ...(signatureVersion && { signatureVersion }) } };
    case 'mailgun':
      return { provider, url, options: { signingKey: signingKey ?? keys.mailgunSigningKey, storageUrl: (id) => `${apiBase}/api/v1/message/${id}/raw` } };
    case 'postmark':
      return { provider, url, options: {} };
  }
}

/** The provider's view of a delivery event: the stored message's headers fill in what it names. */
export function providerEvent(event: DeliveryEvent, mailbox: Pick<MailboxReader, 'get'>): ProviderEvent {
  const stored = mailbox.get(event.messageId);
  const summary = stored?.summary;
  const headers = stored ? headerMap(stored.raw) : {};
  const first = (name: string) => headers[name]?.[0];
  return {
    kind: event.kind,
    // What the provider's 250 gave the application: mailsim's "queued as <ID>".
    providerMessageId: event.messageId,
    ...(summary?.MessageID && { headerMessageId: `<${summary.MessageID}>` }),
    recipient: event.recipient,
    envelopeFrom: event.envelopeFrom,
    ...(first('From') && { from: first('From') }),
    ...(summary && { to: summary.To.map((a) => a.Address) }),
    ...(summary && { subject: summary.Subject }),
    ...(first('Date') && { date: first('Date') }),
    ...(summary && { size: summary.Size }),
    acceptedAt: event.acceptedAt,
    at: event.at,
    ...(event.reply && { reply: event.reply }),
    ...(event.status && { status: event.status }),
    ...(event.attempt !== undefined && { attempt: event.attempt }),
    // mailsim's own mark (the drop action) is not one of the application's categories.
    ...(summary?.Tags.some((t) => t !== DROPPED_TAG) && { tags: summary.Tags.filter((t) => t !== DROPPED_TAG) }),
    ...(event.feedbackType && { feedbackType: event.feedbackType }),
  };
}
