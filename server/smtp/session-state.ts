import type { Clock, Endpoint, SessionRecord } from '../ports/contracts.js';
import type { TlsInfo, TranscriptEntry } from '../protocol.js';
import { classify, emptyFacts, type OutcomeFacts } from './session-outcome.js';
import { Transcript, type TranscriptBudget } from './transcript.js';

const TRANSACTION_COMMANDS = new Set(['MAIL', 'RCPT', 'DATA']);
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
  readonly started: number;
  helo = '';
  user = '';
  tls: TlsInfo | null = null;
  ended: number | null = null;
  #command = '';
  #commandLine = '';
  #awaitingSecret = false;
  #awaitingReply = false;
  #pendingFault: string | undefined;
  #blackholing = false;

  constructor(
    readonly id: string,
    readonly client: Endpoint,
    readonly server: Endpoint,
    private readonly clock: Clock,
    transcripts?: TranscriptBudget,
  ) {
    this.#transcript = new Transcript(transcripts);
    this.started = clock.now();
    this.note(`connection from ${client.address}:${client.port} to ${server.address}:${server.port}`);
  }

  /** A command line as received (smtp-server has redacted AUTH arguments; we mask again regardless). */
  command(line: string): void {
    const masked = this.#mask(line);
    this.#command = this.#awaitingSecret ? 'AUTH' : (line.split(' ')[0] ?? '').toUpperCase();
    this.#commandLine = this.#awaitingSecret ? 'AUTH' : masked;
    if (this.#command === 'QUIT') this.facts.quit = true;
    this.#awaitingReply = true;
    this.#append('C', masked);
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
    const code = Number(payload.slice(0, 3));
    const text = payload.replace(/\r\n/g, '\n');
    this.#append('S', text);
    this.#awaitingReply = false;
    this.#awaitingSecret = code === 334;
    this.#interpret(code, text);
  }

  /** smtp-server reports the end of DATA with the byte count; the next reply answers it. */
  dataEnded(bytes: number): void {
    this.facts.inData = false;
    this.facts.dataBytes = bytes;
    this.#command = 'END-OF-DATA';
    this.#commandLine = 'end of DATA';
    this.#awaitingReply = true;
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

  /** The next reply is a simulated fault: its rejection names the rule. */
  faultReply(name: string): void {
    this.#pendingFault = name;
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
    this.ended ??= this.clock.now();
    const record = this.record();
    this.#transcript.close();
    return record;
  }

  get transcript(): TranscriptEntry[] {
    return this.#transcript.entries();
  }

  /** The record as the store keeps it; the transcript is left out where nobody reads it. */
  record(withTranscript = true): SessionRecord {
    const { outcome, code, detail } = this.ended === null ? { outcome: 'active' as const, code: null, detail: 'in progress' } : classify(this.facts);
    return {
      id: this.id,
      started: this.started,
      ended: this.ended,
      client: this.client,
      server: this.server,
      helo: this.helo,
      tls: this.tls,
      user: this.user,
      outcome,
      outcomeCode: code,
      outcomeDetail: detail,
      messages: this.facts.delivered,
      transcript: withTranscript ? this.transcript : [],
    };
  }

  #interpret(code: number, text: string): void {
    const command = this.#command;
    if (command === 'DATA' && code === 354) {
      this.facts.inData = true;
      this.facts.dataBytes = 0;
    }
    if ((command === 'EHLO' || command === 'HELO') && code === 250) this.helo = this.#commandLine.split(' ')[1] ?? '';
    // A blackholed message gets its 250 too, but was counted as blackholed, not delivered.
    if (command === 'END-OF-DATA' && code === 250) {
      if (this.#blackholing) this.#blackholing = false;
      else this.facts.delivered++;
    }
    const reply = { code, text, command: this.#commandLine, fault: this.#pendingFault };
    this.#pendingFault = undefined;
    if (command === 'STARTTLS' && code >= 400) this.tlsFailed(`STARTTLS refused: ${text.split('\n').join(' ')}`);
    if (command === 'AUTH' && code >= 400) this.facts.authFailure = reply;
    if (command === 'AUTH' && code === 235) this.facts.authFailure = null;
    if (code >= 400 && (TRANSACTION_COMMANDS.has(command) || command === 'END-OF-DATA') && !this.#outranked(reply)) this.facts.rejection = reply;
    else if (code === 421) this.facts.serverClosed = reply;
  }

  /**
   * A sequence or syntax error (500-504) that follows a real refusal is its echo — nodemailer
   * pipelines DATA behind its RCPTs, and the server answers that DATA 503 once every RCPT was
   * refused — so it does not replace the refusal as the reason for the outcome.
   */
  #outranked(reply: { code: number }): boolean {
    const previous = this.facts.rejection;
    const protocolError = (code: number) => code >= 500 && code <= 504;
    return previous !== null && !protocolError(previous.code) && protocolError(reply.code);
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
