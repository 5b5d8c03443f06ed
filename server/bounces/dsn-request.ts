import type { DsnStyleName } from '../util/dsn-styles.js';
/** RFC 3464 §2.3.3: what the reporting MTA did for a recipient. */
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

/** Which notification a set of recipients makes: one DSN per kind, as Postfix sends them. */
export type DsnKind = 'failure' | 'delay' | 'success';

export interface DsnRecipient {
  /** The RCPT TO address: Final-Recipient (RFC 3464 §2.3.2). */
  address: string;
  /** The RCPT ORCPT= parameter as the client sent it, e.g. "rfc822;user@example.org" (RFC 3461 §4.2). */
  orcpt?: string;
  action: DsnAction;
  /** RFC 3463 status code, e.g. "5.1.1". */
  status: string;
  /** The remote server's reply, e.g. "550 5.1.1 <x>: User unknown": Diagnostic-Code: smtp; … */
  diagnostic?: string;
  /** Host name of the server that gave the reply (Remote-MTA: dns; …). */
  remoteMta?: string;
  lastAttemptAt?: number;
  /** For `delayed`: when the reporting MTA gives up (Will-Retry-Until, RFC 3464 §2.3.7). */
  willRetryUntil?: number;
}

export interface OriginalMessage {
  /** As received, headers and body. */
  raw: Buffer;
  /** MAIL FROM; '' for the null reverse-path <>. */
  envelopeFrom: string;
  arrivedAt: number;
}

export interface DsnRequest {
  style: DsnStyleName;
  original: OriginalMessage;
  /** All of one kind (see kindOf): a DSN reports failures, delays or successes, not a mix. */
  recipients: readonly DsnRecipient[];
  /** MAIL ENVID= exactly as the client sent it; mailsim does not decode it. */
  envid?: string;
  /** MAIL RET=; without it the whole message is returned unless larger than `fullLimit`. */
  ret?: 'FULL' | 'HDRS';
  /** mailsim's host name: the reporting MTA where the style does not name its own. */
  hostname: string;
  /** Time of the notification (the scenario clock). */
  now: number;
  /** A unique token (injected, so a DSN is reproducible): Message-ID and MIME boundaries. */
  id: string;
  /** Bytes of original above which only its headers are returned (Postfix's bounce_size_limit). */
  fullLimit?: number;
}

export { DSN_STYLE_NAMES, type DsnStyleName } from '../util/dsn-styles.js';

/** `postconf -d bounce_size_limit` in Debian's Postfix 3: 50000 bytes. */
export const DEFAULT_FULL_LIMIT = 50_000;

/** Failures win, then delays; the rest (delivered, relayed, expanded) are successes. */
export function kindOf(recipients: readonly DsnRecipient[]): DsnKind {
  if (recipients.some((r) => r.action === 'failed')) return 'failure';
  if (recipients.some((r) => r.action === 'delayed')) return 'delay';
  return 'success';
}
