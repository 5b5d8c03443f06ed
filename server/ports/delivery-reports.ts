/**
 * What the SMTP adapter tells the harness about each accepted message, so that what happens to
 * it after the 250 (delivered, deferred, bounced) can be reported: DSNs to the envelope sender
 * (RFC 3464) and delivery events. Types only; server/app/bounce-scheduler.ts implements it.
 */
import type { SessionRecord } from './contracts.js';

/** A bounce the scenario planned for one recipient; texts already rendered. */
export interface PlannedBounce {
  /** dropped: accepted and never delivered (the drop action): a dropped event, no DSN; `reply` is the reason. */
  kind: 'failed' | 'delayed' | 'dropped';
  /** Scenario-clock ms after acceptance. */
  afterMs: number;
  /** The remote reply the DSN quotes ("550 5.1.1 <x>: user unknown"); the style's own when absent. */
  reply?: string;
  status?: string;
  style?: string;
  /** delayed only: the final failure, this long after the delay report. */
  then?: { afterMs: number; reply?: string; status?: string };
  /** false: delivery events only, no DSN to the sender (SendGrid, Mailgun). */
  dsn: boolean;
}

export interface AcceptedRecipient {
  address: string;
  /** RCPT NOTIFY= (RFC 3461 §4.1), upper case; absent: the MTA's default. */
  notify?: string[];
  /** RCPT ORCPT= as sent (RFC 3461 §4.2). */
  orcpt?: string;
  bounce?: PlannedBounce;
}

export interface AcceptedMessage {
  /** The stored message's ID. */
  id: string;
  session: SessionRecord;
  /** MAIL FROM; '' for the null reverse-path. */
  envelopeFrom: string;
  recipients: AcceptedRecipient[];
  /** MAIL RET= and ENVID= (RFC 3461 §4.3, §4.4). */
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  scenario: string;
  /** The scenario's bounceStyle. */
  style?: string;
  /** The persona's host name: the reporting MTA of postfix-style DSNs. */
  hostname: string;
}

export interface DeliveryReports {
  accepted(message: AcceptedMessage): void;
}
