import type { AuthFacts } from './auth-facts.js';
import type { Phase } from './schema.js';

/**
 * Everything the engine may look at when it decides: plain data the SMTP adapter assembles from
 * smtp-server's hook arguments. No sockets, no library objects.
 */
export interface FaultContext {
  phase: Phase;
  session: SessionView;
  /** MAIL FROM of the open transaction ('' for the null sender), if any. */
  sender?: string;
  /** Recipients accepted so far in the open transaction. */
  recipients: string[];
  /** The RCPT TO being decided (rcpt phase only). */
  recipient?: string;
  /** AUTH attempt (auth phase only): mechanism, user and, when the mechanism reveals it, the password. */
  auth?: { mechanism: string; user: string; password?: string; validatePassword?: (password: string) => boolean };
  /** SIZE= announced at MAIL FROM (RFC 1870), if any. */
  announcedSize?: number;
  /** data-end only: the received message. */
  message?: { size: number; headers: Record<string, string[]> };
  /** data-end only, when a rule or limit reads them: the message's DKIM, SPF and DMARC results. */
  authResults?: AuthFacts;
}

export interface SessionView {
  id: string;
  clientAddress: string;
  clientPort: number;
  helo: string;
  /** Authenticated user, '' if none. */
  user: string;
  secure: boolean;
  /** Messages accepted earlier in this session. */
  delivered: number;
}
