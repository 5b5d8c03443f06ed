import type { Field } from './delivery-status.js';
import type { DsnKind, DsnRecipient, DsnRequest } from './dsn-request.js';
import type { OriginalHeaders } from './rfc5322.js';

/** What a style's texts are written from. */
export interface StyleContext {
  request: DsnRequest;
  kind: DsnKind;
  original: OriginalHeaders;
}

/**
 * How one provider's MAILER-DAEMON writes a DSN: identity, subject, the human-readable text
 * and any fields or headers of its own. Every string a style produces is sourced in its module
 * (a provider's documentation or a public transcript, or sample bounces in
 * sisimai/set-of-emails) or marked as invented there.
 */
export interface DsnStyle {
  /** Kinds this provider sends at all; for the others the builder returns null. */
  sends: Record<DsnKind, boolean>;
  /** The From mailbox (nodemailer formats it as `name <address>`). */
  from(ctx: StyleContext): { name?: string; address: string };
  subject(ctx: StyleContext): string;
  reportingMta(ctx: StyleContext): string;
  /** 'report': RFC 6522 multipart/report. 'plain': one text part with the original pasted below (qmail style). */
  container: 'report' | 'plain';
  humanText(ctx: StyleContext): string;
  /** Extra top-level headers, after the standard ones. */
  headers?(ctx: StyleContext): Field[];
  perMessage?(ctx: StyleContext): Field[];
  perRecipient?(recipient: DsnRecipient): Field[];
  statusComment?: boolean;
  /** Content-Description of the three parts, where the provider labels them. */
  descriptions?(ctx: StyleContext): [string, string, string];
  /** The failure reply this provider's DSNs typically quote, when the scenario names none. */
  defaultFailure(address: string): { status: string; diagnostic: string };
}

export function addresses(recipients: readonly DsnRecipient[]): string[] {
  return recipients.map((r) => r.address);
}
