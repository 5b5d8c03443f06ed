import type { MessageAuth } from '../protocol.js';

/** One message as received, with the identities of its transaction, for DKIM/SPF/DMARC checks. */
export interface AuthCheckRequest {
  raw: Buffer;
  /** MAIL FROM ('' for the null sender). */
  sender: string;
  recipients: number;
  clientIp: string;
  helo: string;
  /** The scenario whose `dns:` records (over --dns-file's) answer the lookups. */
  scenario: string;
}

export type AuthCheckResult = Omit<MessageAuth, 'ID'>;

/**
 * The message checks as the SMTP adapter and the API see them (server/auth-checks/ implements
 * it). Checks run on a worker thread; a result is kept per message, so the API's first request
 * does not check again what the end of DATA already checked.
 */
export interface AuthChecks {
  check(request: AuthCheckRequest): Promise<AuthCheckResult>;
  /** The check made at the end of DATA, kept for the stored message. */
  remember(id: string, result: AuthCheckResult): void;
  /** The stored message's verdicts, checked now if not yet; undefined when there is no such message. */
  forMessage(id: string): Promise<MessageAuth | undefined>;
}
