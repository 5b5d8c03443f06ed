import { buildDsn, type BuiltDsn } from '../bounces/dsn-builder.js';
import type { DsnAction, DsnRecipient } from '../bounces/dsn-request.js';
import { DSN_STYLES } from '../bounces/styles.js';
import type { DeliveryEvent, EventBus } from '../events/bus.js';
import type { Clock, MessageSink } from '../ports/contracts.js';
import type { MailboxReader, MailboxWriter } from '../ports/mailbox.js';
import type { BounceDetails } from '../protocol.js';
import { DSN_STYLE_NAMES, type DsnStyleName } from '../util/dsn-styles.js';
import { DAY_MS } from '../util/duration.js';
import { newId } from '../util/ids.js';

/** One recipient a report is about. */
export interface ReportRecipient {
  address: string;
  orcpt?: string;
  /** The remote reply; the style's usual one when absent. */
  reply?: string;
  status?: string;
}

/** One report to send now: every recipient gets the same action. */
export interface ReportRequest {
  originalId: string;
  sessionId: string | null;
  envelopeFrom: string;
  acceptedAt: number;
  action: Extract<DsnAction, 'failed' | 'delayed' | 'delivered'>;
  recipients: ReportRecipient[];
  style: DsnStyleName;
  hostname: string;
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  /** delayed: when the sender will have been told of the final outcome (Will-Retry-Until). */
  willRetryUntil?: number;
  /** Recipients that asked for no report of this kind (RFC 3461 NOTIFY): events only. */
  silent?: string[];
  scenario: string;
  attempt?: number;
}

export interface SentReport {
  /** The stored DSN's ID; null when none was sent (null sender, NOTIFY, a style that sends none). */
  id: string | null;
  dsn: BuiltDsn | null;
  details: BounceDetails | null;
}

export interface BounceSenderDeps {
  mailbox: Pick<MailboxReader, 'get'>;
  sink: MessageSink;
  bus: EventBus;
  clock: Clock;
  /** Each stored DSN, e.g. for --bounce-relay. */
  sent?: (dsn: BuiltDsn, id: string) => void;
  /** Tags a dropped message (the drop action); without it a drop only publishes its events. */
  tags?: Pick<MailboxWriter, 'setTags'>;
}

/** The tag a message the provider accepted and did not deliver (the drop action) carries. */
export const DROPPED_TAG = 'dropped';

/** Recipients of one message the provider accepted and will never deliver, and why. */
export interface DropRequest {
  originalId: string;
  sessionId: string | null;
  envelopeFrom: string;
  acceptedAt: number;
  recipients: Array<{ address: string; reason: string }>;
  scenario: string;
}

/** What every delivery.event says of the original message, whichever request it comes from. */
type EventOrigin = Pick<DropRequest, 'originalId' | 'sessionId' | 'envelopeFrom' | 'acceptedAt' | 'scenario'>;
/** What a delivery.event says of the recipient and of what happened to it. */
type EventFacts = Omit<DeliveryEvent, 'messageId' | 'sessionId' | 'envelopeFrom' | 'acceptedAt' | 'scenario'>;

/** 5.0.0 or 4.0.0 when neither the scenario nor the reply says (RFC 3463 §3.1: X.0.0, undefined). */
const CLASS_DEFAULT = { failed: '5.0.0', delayed: '4.0.0', delivered: '2.0.0' } as const;
/** mailsim's (invented) wording when a delayed bounce names no reply. */
const DELAY_REPLY = '421 4.4.1 Connection timed out';
/** Postfix's maximal_queue_lifetime: 5 days before a deferred message bounces. */
export const RETRY_FOR_MS = 5 * DAY_MS;

export function isStyle(name: string | undefined): name is DsnStyleName {
  return (DSN_STYLE_NAMES as readonly string[]).includes(name ?? '');
}

/**
 * Sends one delivery status notification the way an MTA does: builds it (server/bounces/),
 * stores it as a message of its own addressed to the original's envelope sender with the null
 * reverse-path (RFC 5321 §4.5.5), linked to the original, and publishes a delivery.event for
 * each recipient it reports on.
 */
export class BounceSender {
  constructor(private readonly deps: BounceSenderDeps) {}

  async send(request: ReportRequest): Promise<SentReport> {
    const now = this.deps.clock.now();
    const silent = new Set((request.silent ?? []).map((a) => a.toLowerCase()));
    const reported = request.recipients.filter((r) => !silent.has(r.address.toLowerCase())).map((r) => this.#recipient(request, r, now));
    let sent: SentReport = { id: null, dsn: null, details: null };
    // RFC 5321 §4.5.5: never a notification about a message with the null reverse-path.
    const stored = reported.length > 0 && request.envelopeFrom !== '' ? this.deps.mailbox.get(request.originalId) : undefined;
    if (stored) {
      const dsn = await buildDsn({
        style: request.style,
        original: { raw: stored.raw, envelopeFrom: request.envelopeFrom, arrivedAt: request.acceptedAt },
        recipients: reported,
        ...(request.envid !== undefined && { envid: request.envid }),
        ...(request.ret && { ret: request.ret }),
        hostname: request.hostname,
        now,
        id: newId(),
      });
      if (dsn) sent = await this.#store(dsn, request, reported);
    }
    const statuses = new Map(reported.map((r) => [r.address.toLowerCase(), r]));
    for (const r of request.recipients) {
      const known = statuses.get(r.address.toLowerCase()) ?? this.#recipient(request, r, now);
      this.#report(request, known, now, sent.id);
    }
    return sent;
  }

  /**
   * Accepted, never delivered (SendGrid's dropped): the captured message stays, tagged dropped,
   * and each recipient gets a dropped event with its reason; no DSN (the provider tells the
   * application by webhook only).
   */
  async drop(request: DropRequest): Promise<void> {
    const stored = this.deps.mailbox.get(request.originalId);
    if (stored && this.deps.tags && !stored.summary.Tags.includes(DROPPED_TAG)) await this.deps.tags.setTags([request.originalId], [...stored.summary.Tags, DROPPED_TAG]);
    const at = this.deps.clock.now();
    for (const r of request.recipients) this.#publish(request, { kind: 'dropped', recipient: r.address, at, reply: r.reason });
  }

  /** Recipients marked the message as spam (a feedback loop report reached the provider): a spam event each, no mail. */
  complaint(request: Omit<DropRequest, 'recipients'> & { recipients: string[]; feedbackType: string }): void {
    const at = this.deps.clock.now();
    for (const recipient of request.recipients) this.#publish(request, { kind: 'spam', recipient, at, feedbackType: request.feedbackType });
  }

  #recipient(request: ReportRequest, r: ReportRecipient, now: number): DsnRecipient {
    const style = DSN_STYLES[request.style];
    const fallback = request.action === 'failed' && r.reply === undefined ? style.defaultFailure(r.address) : undefined;
    const diagnostic = r.reply ?? fallback?.diagnostic ?? (request.action === 'delayed' ? DELAY_REPLY : undefined);
    const status = r.status ?? enhancedOf(diagnostic) ?? fallback?.status ?? CLASS_DEFAULT[request.action];
    return {
      address: r.address,
      ...(r.orcpt && { orcpt: r.orcpt }),
      action: request.action,
      status,
      ...(diagnostic && { diagnostic }),
      lastAttemptAt: now,
      ...(request.action === 'delayed' && { willRetryUntil: request.willRetryUntil ?? request.acceptedAt + RETRY_FOR_MS }),
    };
  }

  async #store(dsn: BuiltDsn, request: ReportRequest, reported: DsnRecipient[]): Promise<SentReport> {
    const first = reported[0]!;
    const details: BounceDetails = {
      Action: first.action,
      Status: first.status,
      DiagnosticCode: first.diagnostic ?? '',
      FinalRecipient: first.address,
      ReportingMTA: dsn.reportingMta,
      OriginalMessageID: dsn.originalMessageId,
      OriginalID: request.originalId,
      SessionID: request.sessionId,
      Recipients: reported.map((r) => r.address),
      Style: request.style,
    };
    const { id } = await this.deps.sink.ingest({ raw: dsn.raw, envelope: { from: dsn.envelope.from, to: [...dsn.envelope.to] }, bounce: details });
    this.deps.sent?.(dsn, id);
    return { id, dsn, details };
  }

  #report(request: ReportRequest, r: DsnRecipient, at: number, bounceId: string | null): void {
    const kind = request.action === 'failed' ? 'bounced' : request.action === 'delayed' ? 'deferred' : 'delivered';
    this.#publish(request, {
      kind,
      recipient: r.address,
      at,
      ...(r.diagnostic && { reply: r.diagnostic }),
      status: r.status,
      ...(bounceId && kind !== 'delivered' && { bounceId }),
      ...(request.attempt !== undefined && { attempt: request.attempt }),
    });
  }

  /** One delivery.event about one recipient of the original message. */
  #publish(origin: EventOrigin, { kind, recipient, at, ...facts }: EventFacts): void {
    this.deps.bus.publish('delivery.event', {
      kind,
      messageId: origin.originalId,
      sessionId: origin.sessionId ?? '',
      recipient,
      envelopeFrom: origin.envelopeFrom,
      acceptedAt: origin.acceptedAt,
      at,
      ...facts,
      scenario: origin.scenario,
    });
  }
}

/** "5.1.1" of a reply such as "550 5.1.1 <x>: user unknown" or "550-5.1.1 …". */
export function enhancedOf(reply: string | undefined): string | undefined {
  return /^[245]\d\d[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply ?? '')?.[1];
}
