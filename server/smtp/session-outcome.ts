import type { SessionOutcome } from '../protocol.js';

export interface RecordedReply {
  code: number;
  text: string;
  /** The command this reply answered ("RCPT TO:<a@b>", "end of DATA"). */
  command: string;
  /** The rule or limit that made the server send it, if it was a simulated fault. */
  fault?: string;
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
  /** The last 4xx/5xx reply to MAIL, RCPT, DATA or the end of data. */
  rejection: RecordedReply | null;
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
    rejection: null,
    authFailure: null,
    serverClosed: null,
    blackholed: 0,
    stalledBy: null,
    disconnectedBy: null,
    tlsFailure: null,
    internalError: null,
  };
}

function describe(reply: RecordedReply): string {
  const fault = reply.fault ? ` [${reply.fault}]` : '';
  return `${reply.text.split('\n').join(' ')} (reply to ${reply.command})${fault}`;
}

/**
 * Classifies a finished session, most significant fact first. After mailsim's own failure,
 * delivery wins because a client
 * that got a 250 has a message to find; the DATA checks come next because they explain a
 * missing message better than anything earlier in the session does.
 */
export function classify(facts: OutcomeFacts): Outcome {
  // mailsim's own failure explains whatever else the session shows.
  if (facts.internalError) {
    return { outcome: 'error', code: 421, detail: `mailsim failed and closed the connection with 421 4.3.0: ${facts.internalError}` };
  }
  if (facts.delivered > 0) {
    const plural = facts.delivered === 1 ? 'message' : 'messages';
    const later = facts.rejection ? `; then ${describe(facts.rejection)}` : '';
    return { outcome: 'delivered', code: 250, detail: `${facts.delivered} ${plural} delivered${later}` };
  }
  if (facts.tlsFailure) {
    return { outcome: 'tls-failed', code: null, detail: `tls failed: ${facts.tlsFailure}` };
  }
  if (facts.disconnectedBy) {
    return { outcome: 'disconnected', code: null, detail: `the server dropped the connection [${facts.disconnectedBy}]` };
  }
  if (facts.stalledBy && !facts.quit) {
    return { outcome: 'timed-out', code: null, detail: `the server stopped answering and the client gave up [${facts.stalledBy}]` };
  }
  if (facts.blackholed > 0) {
    const plural = facts.blackholed === 1 ? 'message' : 'messages';
    return { outcome: 'blackholed', code: 250, detail: `${facts.blackholed} ${plural} answered 250 and discarded (blackhole)` };
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
  if (facts.rejection) {
    const outcome = facts.rejection.code >= 500 ? 'rejected' : 'deferred';
    return { outcome, code: facts.rejection.code, detail: describe(facts.rejection) };
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
