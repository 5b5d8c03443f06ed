import type { FaultExplanation, SessionOutcome } from '../protocol.js';
import type { TransactionFacts, TransactionFailure } from './transactions.js';

export interface RecordedReply {
  code: number;
  /** The RFC 3463 enhanced status code the reply carried, if any. */
  enhanced?: string;
  /** The reply's text, without the code and enhanced code each line of it repeats. */
  text: string;
  /** The command this reply answered ("RCPT TO:<a@b>", "end of DATA"). */
  command: string;
  /** The rule or limit that made the server send it, if it was a simulated fault. */
  fault?: string;
  /** Why that fault fired, when the scenario (or the built-in check) says. */
  explanation?: FaultExplanation;
  /** The server meant this reply and a fault kept it from the client (a lost reply). */
  withheld?: true;
}

/** What a session did, gathered while it ran; the outcome is derived from it at close. */
export interface OutcomeFacts {
  delivered: number;
  /** The 354 went out and the end of data has not arrived. */
  inData: boolean;
  /** Bytes of the message received so far in the open DATA. */
  dataBytes: number;
  quit: boolean;
  /** The server's idle timer fired and the server closed the connection. */
  timedOut: boolean;
  /** The mail transactions' failures (server/smtp/transactions.ts). */
  transactions: TransactionFacts;
  /** The last failed AUTH, cleared by a later success. */
  authFailure: RecordedReply | null;
  /** A 421 the server sent on its own (shutdown, too many errors). */
  serverClosed: RecordedReply | null;
  /** Messages answered 250 by a blackhole rule and not stored. */
  blackholed: number;
  /** A fault made the server stop answering (names of the rules). */
  stalledBy: string | null;
  /** A fault made the server drop the connection (names of the rules). */
  disconnectedBy: string | null;
  /** Why TLS did not come up (handshake failure, TLS spoken to a plaintext port...). */
  tlsFailure: string | null;
  /** mailsim's own code failed while serving the connection (it was closed with 421 4.3.0). */
  internalError: string | null;
}

export interface Outcome {
  outcome: SessionOutcome;
  code: number | null;
  detail: string;
}

export function emptyFacts(): OutcomeFacts {
  return {
    delivered: 0,
    inData: false,
    dataBytes: 0,
    quit: false,
    timedOut: false,
    transactions: { total: 0, permanent: null, temporary: null },
    authFailure: null,
    serverClosed: null,
    blackholed: 0,
    stalledBy: null,
    disconnectedBy: null,
    tlsFailure: null,
    internalError: null,
  };
}

/** "550 5.1.1 no such user (reply to RCPT TO:<x@y>) [rule 'unknown']". */
export function describe(reply: RecordedReply): string {
  const fault = reply.fault ? ` [${reply.fault}]` : '';
  const text = [String(reply.code), reply.enhanced, reply.text].filter(Boolean).join(' ');
  return `${text} (reply to ${reply.command})${fault}`;
}

/**
 * A refused message or recipient decides the outcome even after deliveries, so that a filter
 * on rejected or deferred sessions finds the throttle that hit a reused connection: a 5xx
 * over a 4xx, the first of its kind, named by its transaction when the session had several.
 */
function failureOutcome(facts: OutcomeFacts): Outcome | undefined {
  const { permanent, temporary, total } = facts.transactions;
  const failure = permanent ?? temporary;
  if (!failure) return undefined;
  const outcome = failure.reply.code >= 500 ? 'rejected' : 'deferred';
  const delivered = facts.delivered > 0 ? `${count(facts.delivered, 'message')} delivered; ` : '';
  const which = total > 1 || failure.partial ? `${transactionLabel(failure)}: ` : '';
  return { outcome, code: failure.reply.code, detail: `${delivered}${which}${describe(failure.reply)}` };
}

function transactionLabel(failure: TransactionFailure): string {
  return `transaction ${failure.index}${failure.partial ? ' (delivered to the other recipients)' : ''}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** " (after 2 messages delivered)" when the session had delivered some. */
function before(facts: OutcomeFacts): string {
  return facts.delivered > 0 ? ` (after ${count(facts.delivered, 'message')} delivered)` : '';
}

/**
 * Classifies a finished session, most significant fact first, as a summary that hides no
 * failure: mailsim's own failure, then a fault that cut or silenced the connection, then a
 * refused message or recipient; only a session where none of these happened reads delivered.
 * The DATA checks come next because they explain a missing message better than anything
 * earlier in the session does. Each transaction keeps its own outcome besides.
 */
export function classify(facts: OutcomeFacts): Outcome {
  // mailsim's own failure explains whatever else the session shows.
  if (facts.internalError) {
    return { outcome: 'error', code: 421, detail: `mailsim failed and closed the connection with 421 4.3.0: ${facts.internalError}` };
  }
  // A message was delivered first: TLS failed on a later STARTTLS, and the delivery is the news.
  if (facts.tlsFailure && facts.delivered === 0) {
    return { outcome: 'tls-failed', code: null, detail: `tls failed: ${facts.tlsFailure}` };
  }
  if (facts.disconnectedBy) {
    return { outcome: 'disconnected', code: null, detail: `the server dropped the connection [${facts.disconnectedBy}]${before(facts)}` };
  }
  if (facts.stalledBy) {
    // A client that gives up may still send QUIT into the silence; nothing answers it.
    return { outcome: 'timed-out', code: null, detail: `the server stopped answering and the client gave up [${facts.stalledBy}]${before(facts)}` };
  }
  const failed = failureOutcome(facts);
  if (failed) return failed;
  if (facts.delivered > 0) {
    return { outcome: 'delivered', code: 250, detail: `${count(facts.delivered, 'message')} delivered` };
  }
  if (facts.blackholed > 0) {
    return { outcome: 'blackholed', code: 250, detail: `${count(facts.blackholed, 'message')} answered 250 and discarded (blackhole)` };
  }
  if (facts.inData && facts.dataBytes === 0 && !facts.quit && !facts.timedOut) {
    // Odoo's "Test Connection" (and similar health checks) stop right after the 354.
    return {
      outcome: 'connection-test',
      code: 354,
      detail: 'connection test passed: the client closed the connection after the 354 reply without sending a message',
    };
  }
  if (facts.inData) {
    const how = facts.timedOut ? 'stopped sending' : 'disconnected';
    return { outcome: 'aborted', code: null, detail: `client ${how} after ${facts.dataBytes} bytes of DATA; nothing stored` };
  }
  if (facts.timedOut) {
    return { outcome: 'timed-out', code: 421, detail: 'the client sent nothing for the idle timeout; the server closed the connection' };
  }
  if (facts.authFailure) {
    return { outcome: 'auth-failed', code: facts.authFailure.code, detail: describe(facts.authFailure) };
  }
  if (facts.serverClosed) {
    return { outcome: 'deferred', code: facts.serverClosed.code, detail: describe(facts.serverClosed) };
  }
  if (!facts.quit) {
    return { outcome: 'dropped', code: null, detail: 'client closed the connection without QUIT and without sending mail' };
  }
  return { outcome: 'no-mail', code: null, detail: 'client quit without sending mail' };
}
