import type { Clock, Endpoint, SessionRecord } from '../ports/contracts.js';
import type { FaultExplanation, TlsInfo, TranscriptEntry } from '../protocol.js';
import { parseReply } from './reply-text.js';
import { classify, emptyFacts, type OutcomeFacts, type RecordedReply } from './session-outcome.js';
import { TransactionLog } from './transactions.js';
import { Transcript, type TranscriptBudget } from './transcript.js';
/** Shown instead of anything that could carry a credential. */
export const MASK = '****';

/**
 * The live state of one SMTP connection: its transcript, the facts its outcome is derived from,
 * and the record the store keeps. Fed by the connection driver (commands, notes) and by
 * smtp-server's logger (replies).
 */
export class SessionState {
  readonly facts: OutcomeFacts = emptyFacts();
  readonly #transcript: Transcript;
  readonly #transactions: TransactionLog;
  readonly started: number;
  helo = '';
  /** Which greeting named `helo`: the Received field's RFC 3848 type depends on it. */
  greeting: 'EHLO' | 'HELO' | '' = '';
  user = '';
  /** The scenario the session runs under now (the persona moves it on a +scenario- tag). */
  scenario = '';
  tls: TlsInfo | null = null;
  ended: number | null = null;
  #command = '';
  #commandLine = '';
  #commands = 0;
  #awaitingSecret = false;
  #awaitingReply = false;
  #pendingFault: { name: string; explanation?: FaultExplanation } | undefined;
  #blackholing = false;

  constructor(
    readonly id: string,
    readonly client: Endpoint,
    readonly server: Endpoint,
    private readonly clock: Clock,
    transcripts?: TranscriptBudget,
    /** When the connection was accepted, if before now (a failed implicit-TLS handshake is recorded at close). */
    startedAt?: number,
  ) {
    this.#transcript = new Transcript(transcripts);
    this.#transactions = new TransactionLog(clock);
    this.started = startedAt ?? clock.now();
    this.#transcript.append({ At: this.started, Dir: 'I', Text: `connection from ${client.address}:${client.port} to ${server.address}:${server.port}` });
  }

  /** A command line as received (smtp-server has redacted AUTH arguments; we mask again regardless). */
  command(line: string): void {
    this.#commands++;
    const masked = this.#mask(line);
    this.#command = this.#awaitingSecret ? 'AUTH' : (line.split(' ')[0] ?? '').toUpperCase();
    this.#commandLine = this.#awaitingSecret ? 'AUTH' : masked;
    if (this.#command === 'QUIT') this.facts.quit = true;
    this.#awaitingReply = true;
    this.#append('C', masked);
  }

  /** Command lines received so far. */
  get commands(): number {
    return this.#commands;
  }

  /** The last reply was a 334: the next line is an AUTH continuation, not a command (RFC 4954 §4). */
  get awaitingContinuation(): boolean {
    return this.#awaitingSecret;
  }

  /** Receiving a message, or a command is waiting for its reply: not a moment to cut in. */
  get midExchange(): boolean {
    return this.facts.inData || this.#awaitingReply;
  }

  reply(payload: string): void {
    const wire = payload.replace(/\r\n/g, '\n');
    this.#append('S', wire);
    const parsed = parseReply(wire);
    // A reply no command waits for is the server's own (an idle-timeout or shutdown 421).
    const solicited = this.#awaitingReply;
    this.#awaitingReply = false;
    this.#awaitingSecret = parsed.code === 334;
    this.#interpret(parsed, solicited);
  }

  /** smtp-server reports the end of DATA with the byte count; the next reply answers it. */
  dataEnded(bytes: number): void {
    this.facts.inData = false;
    this.facts.dataBytes = bytes;
    this.#command = 'END-OF-DATA';
    this.#commandLine = 'end of DATA';
    this.#awaitingReply = true;
    this.#transactions.dataEnded(bytes);
    this.#append('C', `<${bytes} bytes of message data>`);
  }

  dataProgress(bytes: number): void {
    this.facts.dataBytes = bytes;
  }

  note(text: string): void {
    this.#append('I', text);
  }

  timedOut(): void {
    this.facts.timedOut = true;
  }

  /** The next reply is a simulated fault: its rejection names the rule and carries its explanation. */
  faultReply(name: string, explanation?: FaultExplanation): void {
    this.#pendingFault = { name, ...(explanation && { explanation }) };
  }

  /** The open transaction's message is in the store under this ID. */
  stored(id: string, subject: string | null = null): void {
    this.note(`message stored as ${id}`);
    this.#transactions.stored(id, subject);
  }

  /**
   * A reply the server meant and a fault withheld (the lost 250 after a stored message): it
   * counts as the server's answer, for the transaction and the outcome, and never went out.
   */
  withheld(payload: string, cause: string): void {
    this.note(`reply withheld [${cause}], never sent: ${payload.split('\n').join(' ')}`);
    this.#awaitingReply = false;
    this.#interpret(parseReply(payload), true, cause);
  }

  stalled(names: string): void {
    this.facts.stalledBy = names;
  }

  faultDisconnect(names: string): void {
    this.facts.disconnectedBy = names;
  }

  tlsFailed(reason: string): void {
    this.facts.tlsFailure ??= reason;
  }

  /** mailsim's own code failed; the connection is being closed with 421 4.3.0. */
  failed(reason: string): void {
    this.facts.internalError ??= reason;
    this.note(`mailsim failed: ${reason}; closing the connection with 421 4.3.0`);
  }

  blackholed(): void {
    this.facts.blackholed++;
    this.#blackholing = true;
  }

  end(): SessionRecord {
    if (this.ended === null) this.#transactions.interrupt(null, this.facts.inData);
    this.ended ??= this.clock.now();
    this.#transactions.close();
    const record = this.record();
    this.#transcript.close();
    return record;
  }

  get transcript(): TranscriptEntry[] {
    return this.#transcript.entries();
  }

  /**
   * The record as the store keeps it; the transcript is left out where nobody reads it, and so
   * are the transactions (up to 1,000 on a reused connection: copying them for every message
   * stored was a tenth of the main thread's CPU in issue 14's profile).
   */
  record(withTranscript = true, withTransactions = true): SessionRecord {
    const { outcome, code, detail } =
      this.ended === null ? { outcome: 'active' as const, code: null, detail: 'in progress' } : classify({ ...this.facts, transactions: this.#transactions.facts });
    return {
      id: this.id,
      started: this.started,
      ended: this.ended,
      client: this.client,
      server: this.server,
      helo: this.helo,
      tls: this.tls,
      user: this.user,
      scenario: this.scenario,
      outcome,
      outcomeCode: code,
      outcomeDetail: detail,
      messages: this.facts.delivered,
      transactions: withTransactions ? this.#transactions.list() : [],
      transcript: withTranscript ? this.transcript : [],
    };
  }

  #interpret({ code, enhanced, text }: { code: number; enhanced: string | null; text: string }, solicited: boolean, withheldBy?: string): void {
    const command = solicited ? this.#command : 'SERVER';
    if (command === 'DATA' && code === 354) {
      this.facts.inData = true;
      this.facts.dataBytes = 0;
    }
    if ((command === 'EHLO' || command === 'HELO') && code === 250) {
      this.helo = this.#commandLine.split(' ')[1] ?? '';
      this.greeting = command;
    }
    // A blackholed message gets its 250 too, but was counted as blackholed, not delivered.
    const blackholed = command === 'END-OF-DATA' && code === 250 && this.#blackholing;
    if (command === 'END-OF-DATA' && code === 250) {
      if (this.#blackholing) this.#blackholing = false;
      else this.facts.delivered++;
    }
    const fault = this.#pendingFault;
    this.#pendingFault = undefined;
    const reply: RecordedReply = {
      code,
      text,
      command: solicited ? this.#commandLine : 'nothing (the server spoke on its own)',
      ...(enhanced && { enhanced }),
      ...(fault && { fault: fault.name }),
      ...(withheldBy && { fault: withheldBy, withheld: true as const }),
      ...(fault?.explanation && { explanation: fault.explanation }),
    };
    if (command === 'STARTTLS' && code >= 400) this.tlsFailed(`STARTTLS refused: ${describeShort(reply)}`);
    if (command === 'AUTH' && code >= 400) this.facts.authFailure = reply;
    if (command === 'AUTH' && code === 235) this.facts.authFailure = null;
    this.#transaction(command, reply, blackholed);
  }

  /** Each reply to a transaction command goes to its transaction; a 421 or RSET ends the open one. */
  #transaction(command: string, reply: RecordedReply, blackholed: boolean): void {
    const log = this.#transactions;
    if (command === 'MAIL') log.mail(this.#commandLine, reply);
    else if (command === 'RCPT') log.rcpt(this.#commandLine, reply);
    else if (command === 'DATA') log.data(reply);
    else if (command === 'END-OF-DATA') log.endOfData(reply, blackholed);
    else if (command === 'RSET' || command === 'QUIT' || reply.code === 421) log.interrupt(reply.code === 421 ? reply : null, this.facts.inData);
    const transactional = command === 'MAIL' || command === 'RCPT' || command === 'DATA' || command === 'END-OF-DATA';
    if (reply.code === 421 && !transactional) this.facts.serverClosed = reply;
  }

  #mask(line: string): string {
    if (this.#awaitingSecret) return MASK;
    // Only AUTH lines carry credentials; splitting every line (a 16 KB NOOP) cost more than the rest.
    if (!/^\s*AUTH\s/i.test(line)) return line;
    const parts = line.trim().split(/\s+/);
    if ((parts[0] ?? '').toUpperCase() === 'AUTH' && parts.length > 2) return `${parts[0]} ${parts[1]} ${MASK}`;
    return line;
  }

  #append(dir: TranscriptEntry['Dir'], text: string): void {
    this.#transcript.append({ At: this.clock.now(), Dir: dir, Text: text });
  }
}

function describeShort(reply: RecordedReply): string {
  return [String(reply.code), reply.enhanced, reply.text].filter(Boolean).join(' ');
}
