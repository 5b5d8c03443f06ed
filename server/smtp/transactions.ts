import type { Clock } from '../ports/contracts.js';
import type { RefusedRecipient, SessionTransaction, TransactionOutcome } from '../protocol.js';
import type { RecordedReply } from './session-outcome.js';

/** A session longer than this keeps its latest transactions (a pooled client may send thousands). */
export const MAX_TRANSACTIONS = 1_000;

interface Tx {
  index: number;
  started: number;
  ended: number | null;
  from: string | null;
  accepted: string[];
  refused: RefusedRecipient[];
  outcome: TransactionOutcome;
  /** The reply that decided the outcome. */
  decided: RecordedReply | null;
  /** The first refusal (of a recipient, say) that is not a protocol echo of an earlier one. */
  firstRefusal: RecordedReply | null;
  messageId: string | null;
  subject: string | null;
  size: number;
}

/** A failed transaction, or a delivered one that had recipients refused, for the session summary. */
export interface TransactionFailure {
  index: number;
  reply: RecordedReply;
  /** The message was delivered to the other recipients. */
  partial: boolean;
}

/** What the session outcome needs to know of its transactions. */
export interface TransactionFacts {
  total: number;
  /** The first failure with a 5xx, and the first with a 4xx (RFC 5321 §4.2.1: permanent, transient). */
  permanent: TransactionFailure | null;
  temporary: TransactionFailure | null;
}

/** 500-504: a command out of sequence or refused for syntax, which a refusal before it explains. */
const protocolError = (code: number) => code >= 500 && code <= 504;

/**
 * The session's mail transactions (RFC 5321 §3.3: MAIL, RCPT, DATA, the message), each with
 * the reply that decided it. Under pipelining a client sends MAIL, RCPT and DATA before the
 * first reply; when MAIL is refused the RCPT and DATA that follow are refused as a consequence
 * (503 "need MAIL", or the same 530), so they are kept with the transaction MAIL ended and never
 * replace its cause.
 */
export class TransactionLog {
  #kept: Tx[] = [];
  #open: Tx | undefined;
  /** The last transaction when it ended at MAIL: the pipelined RCPT and DATA behind it belong to it. */
  #endedAtMail: Tx | undefined;
  #next = 1;
  #facts: TransactionFacts = { total: 0, permanent: null, temporary: null };
  /** Set when the session has ended: the record then takes the lists themselves, not copies. */
  #closed = false;

  constructor(private readonly clock: Clock) {}

  get facts(): TransactionFacts {
    return this.#facts;
  }

  /** The transaction waiting for its message's reply, to hang the stored message ID on. */
  get current(): { messageId: string | null } | undefined {
    return this.#open;
  }

  mail(line: string, reply: RecordedReply): void {
    if (this.#open && reply.code >= 400) return; // a nested MAIL refused (503): the open one goes on
    if (this.#open) this.#end(this.#open, 'abandoned', null);
    const tx = this.#begin(addressOf(line));
    if (reply.code >= 400) {
      this.#end(tx, outcomeOf(reply.code), reply);
      this.#endedAtMail = tx;
    }
  }

  rcpt(line: string, reply: RecordedReply): void {
    const address = addressOf(line) ?? line;
    const tx = this.#open ?? this.#endedAtMail ?? this.#begin(null);
    if (reply.code < 400) {
      tx.accepted.push(address);
      return;
    }
    tx.refused.push({ Address: address, Code: reply.code, Enhanced: reply.enhanced ?? null, Text: reply.text });
    if (tx === this.#open) this.#refusal(tx, reply);
  }

  data(reply: RecordedReply): void {
    if (reply.code === 354 || reply.code < 400) return;
    const tx = this.#open ?? (this.#endedAtMail ? undefined : this.#begin(null));
    if (!tx) return; // the DATA behind a refused MAIL: refused as a consequence
    // nodemailer pipelines DATA behind its RCPTs; once every RCPT was refused the DATA gets 503.
    const cause = tx.firstRefusal && protocolError(reply.code) ? tx.firstRefusal : reply;
    this.#end(tx, outcomeOf(cause.code), cause);
  }

  dataEnded(bytes: number): void {
    if (this.#open) this.#open.size = bytes;
  }

  stored(id: string, subject: string | null = null): void {
    if (this.#open) {
      this.#open.messageId = id;
      this.#open.subject = subject;
    }
  }

  endOfData(reply: RecordedReply, blackholed: boolean): void {
    const tx = this.#open;
    if (!tx) return;
    if (reply.code >= 400) return this.#end(tx, outcomeOf(reply.code), reply);
    this.#end(tx, blackholed ? 'blackholed' : 'delivered', reply);
  }

  /** RSET, QUIT, a 421 or the end of the connection ends the open transaction. */
  interrupt(reply: RecordedReply | null, inData: boolean): void {
    const tx = this.#open;
    if (!tx) return;
    if (reply && reply.code >= 400) return this.#end(tx, outcomeOf(reply.code), reply);
    if (inData || tx.size > 0) return this.#end(tx, 'aborted', null);
    // smtplib sends RSET once every recipient was refused: the refusal is what ended it.
    if (tx.firstRefusal && tx.accepted.length === 0) return this.#end(tx, outcomeOf(tx.firstRefusal.code), tx.firstRefusal);
    this.#end(tx, 'abandoned', null);
  }

  list(): SessionTransaction[] {
    return this.#kept.map((tx) => toWire(tx, this.#closed));
  }

  /**
   * The session has ended: nothing adds to the transactions kept (a command after this starts a
   * new one), so the final record shares their recipient lists instead of copying them; 99,000
   * refused recipients copied at the close of bench:hostile row 8's session.
   */
  close(): void {
    this.#closed = true;
    this.#open = undefined;
    this.#endedAtMail = undefined;
  }

  #begin(from: string | null): Tx {
    const tx: Tx = { index: this.#next++, started: this.clock.now(), ended: null, from, accepted: [], refused: [], outcome: 'open', decided: null, firstRefusal: null, messageId: null, subject: null, size: 0 };
    this.#open = tx;
    this.#endedAtMail = undefined;
    this.#kept.push(tx);
    if (this.#kept.length > MAX_TRANSACTIONS) this.#kept.shift();
    this.#facts = { ...this.#facts, total: this.#facts.total + 1 };
    return tx;
  }

  #refusal(tx: Tx, reply: RecordedReply): void {
    if (!tx.firstRefusal || !protocolError(reply.code)) tx.firstRefusal ??= reply;
  }

  #end(tx: Tx, outcome: TransactionOutcome, decided: RecordedReply | null): void {
    tx.outcome = outcome;
    tx.decided = decided;
    tx.ended = this.clock.now();
    if (this.#open === tx) this.#open = undefined;
    const failed = outcome === 'rejected' || outcome === 'deferred';
    const partial = outcome === 'delivered' && tx.firstRefusal !== null;
    const reply = failed ? decided : partial ? tx.firstRefusal : null;
    if (!reply) return;
    const failure = { index: tx.index, reply, partial };
    if (reply.code >= 500) this.#facts = { ...this.#facts, permanent: this.#facts.permanent ?? failure };
    else this.#facts = { ...this.#facts, temporary: this.#facts.temporary ?? failure };
  }
}

function outcomeOf(code: number): 'rejected' | 'deferred' {
  return code >= 500 ? 'rejected' : 'deferred';
}

/** The address between the angle brackets of "MAIL FROM:<a@b> SIZE=10" or "RCPT TO:<x@y>". */
function addressOf(line: string): string | null {
  const match = /<([^>]*)>/.exec(line);
  if (match) return match[1] ?? '';
  const colon = line.indexOf(':');
  return colon >= 0 ? line.slice(colon + 1).trim().split(/\s+/)[0] ?? null : null;
}

function toWire(tx: Tx, shared: boolean): SessionTransaction {
  const decided = tx.decided;
  return {
    Index: tx.index,
    Started: new Date(tx.started).toISOString(),
    Ended: tx.ended === null ? null : new Date(tx.ended).toISOString(),
    From: tx.from,
    Accepted: shared ? tx.accepted : [...tx.accepted],
    Refused: shared ? tx.refused : tx.refused.map((r) => ({ ...r })),
    Outcome: tx.outcome,
    Code: decided?.code ?? null,
    Enhanced: decided?.enhanced ?? null,
    Text: decided ? `${decided.text}${decided.withheld ? ' (withheld: never sent to the client)' : ''}` : '',
    Command: decided?.command ?? '',
    MessageID: tx.messageId,
    Subject: tx.subject,
    Size: tx.size,
    Fault: decided?.fault ?? null,
    Explanation: decided?.explanation ?? null,
  };
}

