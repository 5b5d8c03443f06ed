import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerDataStream, SMTPServerEnvelope, SMTPServerSession } from 'smtp-server';
import type { Clock, IngestRefusal, MessageSink, SessionRecord } from '../ports/contracts.js';
import { errorFields, type Log } from '../ports/log.js';
import type { FaultContext, SessionView } from '../faults/context.js';
import type { Decision, Fired, Reply } from '../faults/decision.js';
import type { Phase, Scenario } from '../faults/schema.js';
import type { FaultEvent, FaultExplanation } from '../protocol.js';
import { newId } from '../util/ids.js';
import { formatSize } from '../util/size.js';
import { commandGate } from './command-gate.js';
import type { DeliveryReports } from '../ports/delivery-reports.js';
import { acceptedMessage, dsnNote, TransactionBounces } from './delivery-plan.js';
import { collectData, prepend } from './data-collector.js';
import { type Carry, DecisionRunner } from './decision-runner.js';
import { endpointsOf } from './endpoints.js';
import type { FaultPort, ScenarioLookup } from './fault-port.js';
import type { MemoryBudget } from './memory-budget.js';
import { messageFacts } from './message-facts.js';
import { RecipientList } from './recipient-list.js';
import { shapeReplies, withEnhanced } from './reply-shaper.js';
import { SessionPersona } from './session-persona.js';
import { SessionState } from './session-state.js';
import { interceptCommands, sendReply, type SMTPConnection, watchErrors, type WireSend } from './smtp-server-seams.js';
import type { TlsGate } from './tls-gate.js';
import { TlsTracker } from './tls-tracker.js';
import { traceHeaders } from './trace-headers.js';
import type { TranscriptBudget } from './transcript.js';
import { smtpReply } from '../errors/catalogue.js';
import type { CredentialCheck } from '../util/htpasswd.js';
import type { AuthCheckResult, AuthChecks } from '../ports/auth-checks.js';
import { authFacts, usesAuthFacts } from '../faults/auth-facts.js';
import { normaliseAddress } from '../faults/ip-address.js';

export interface DriverDeps {
  faults: FaultPort;
  scenarios: ScenarioLookup;
  /** The listener's scenario at the moment the connection arrives. */
  scenario: Scenario;
  hostname: string;
  maxMessageSize: number;
  /** RCPT beyond this many in one transaction get 452 4.5.3 (RFC 5321 §4.5.3.1.10). */
  maxRecipients: number;
  tls: Pick<TlsGate, 'canStartTls' | 'forcesStartTls'>;
  transcripts: TranscriptBudget;
  clock: Clock;
  messages: MessageSink;
  /** Bytes all in-flight messages may hold, shared by every connection; past it, 452 4.3.1. */
  dataMemory: MemoryBudget;
  onFault(event: FaultEvent): void;
  /** Bound to this session: every line carries its ID. */
  log: Log;
  /** --smtp-auth-file: checked before the scenario sees the AUTH; MAIL without AUTH is refused. */
  credentials?: CredentialCheck | undefined;
  /** DKIM/SPF/DMARC checks: awaited at the end of DATA only when the scenario's rules read them. */
  authChecks?: AuthChecks | undefined;
  /** Told of every stored message, its DSN parameters and planned bounces (server/app/bounce-scheduler.ts). */
  reports?: DeliveryReports | undefined;
}

type Callback = (err?: Error | null) => void;

const INTERNAL = smtpReply('SMTP_INTERNAL');

/**
 * One SMTP connection seen through the fault engine: it turns smtp-server's hooks and command
 * stream into FaultContexts, asks the engine, and carries out its decisions. The engine's
 * `continue` leaves smtp-server's normal behaviour untouched. A throw anywhere in this code
 * closes this connection with 421 and is logged; the process and other connections go on.
 */
export class ConnectionDriver {
  readonly state: SessionState;
  readonly tls: TlsTracker;
  readonly #persona: SessionPersona;
  phase: Phase | 'other' = 'connect';
  readonly #runner: DecisionRunner;
  readonly #raw: WireSend;
  readonly #recipients = new RecipientList();
  #session: SMTPServerSession | undefined;
  #socket: Socket;
  readonly #connection: SMTPConnection;
  #override: Reply | undefined;
  /** The rule that asked to drop the connection part-way through the message. */
  #cutCause = '';
  /** The rule that withholds the next reply. */
  #withheldBy = '';
  #failed = false;
  /** The 421 to send once the exchange in progress has its reply (a stop during it). */
  #shutdownAfter: string | undefined;
  #closed = false;
  /** Gives back the memory the message being decided holds; the connection may close first. */
  #releaseData: (() => void) | undefined;
  /** The message being stored, if any. */
  #storing: Promise<void> | undefined;
  /** Bounces the scenario planned for this transaction's recipients. */
  readonly #bounces = new TransactionBounces();

  constructor(
    connection: SMTPConnection,
    socket: Socket,
    private readonly deps: DriverDeps,
  ) {
    this.#socket = socket;
    this.#connection = connection;
    const { client, server } = endpointsOf(socket);
    this.state = new SessionState(connection.id, client, server, deps.clock, deps.transcripts);
    this.#persona = new SessionPersona(deps.scenario, deps, this.state, () => this.view());
    this.state.scenario = this.scenario.name;
    this.state.note(`scenario ${this.scenario.name}`);
    this.tls = new TlsTracker(this.state);
    this.#runner = new DecisionRunner(() => this.#socket, (error) => this.fail('a timed decision', error));
    this.#raw = shapeReplies(connection, () => this.#socket, {
      phase: () => this.phase,
      persona: () => this.scenario.persona,
      render: (template) => this.#renderReply(template),
      capabilities: () => this.#persona.capabilities(),
      takeOverride: (code) => this.#takeOverride(code),
      sent: (payload) => {
        this.state.reply(payload);
        if (this.#shutdownAfter !== undefined && !this.state.midExchange) this.#shutdownSoon(this.#shutdownAfter);
      },
      withhold: (payload) => this.#swallow(payload),
      contain: (fn) => this.contain('the reply writer', fn),
    });
    const gate = commandGate({
      state: this.state,
      tls: this.tls,
      enter: (phase) => {
        this.phase = phase;
      },
      persona: () => this.#persona.persona,
      offersStartTls: () => this.#persona.offersStartTls(),
      render: (template) => this.#persona.render(template),
      decide: (phase, carry) => this.#run(phase, this.deps.faults.decide(this.scenario, this.#context(phase, {})), carry),
      // Through the shaping writer (overrides, transcript), enhanced codes already written out.
      reply: (code, lines) => sendReply(connection, code, lines, false),
      hangUp: () => {
        const socket = this.#socket;
        if (socket.writableFinished) socket.destroy();
        else socket.once('finish', () => socket.destroy());
      },
    });
    interceptCommands(connection, (command, next, pass) => this.contain('a command', () => gate(command, next, pass)));
    watchErrors(connection, (error) => this.contain('a socket error', () => this.tls.socketError(error.message)));
  }

  /** The scenario the session runs under now (+scenario-NAME may have moved it). */
  get scenario(): Scenario {
    return this.#persona.scenario;
  }

  get stalled(): boolean {
    return this.#runner.stalled;
  }

  view(): SessionView {
    return {
      id: this.state.id,
      clientAddress: this.state.client.address,
      clientPort: this.state.client.port,
      helo: this.state.helo,
      user: this.state.user,
      secure: this.state.tls !== null,
      delivered: this.state.facts.delivered,
    };
  }

  /**
   * Runs mailsim's code for one smtp-server hook or callback. A throw is mailsim's bug, not the
   * client's: the connection gets 421 4.3.0 and closes, its session reads `error`, the stack
   * goes to the log, and nothing else is affected.
   */
  contain(where: string, fn: () => void): void {
    if (this.#failed) return;
    try {
      fn();
    } catch (error) {
      this.fail(where, error);
    }
  }

  fail(where: string, error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    const message = error instanceof Error ? error.message : String(error);
    this.deps.log.error(`${where} failed: ${message}; closing the connection with 421 4.3.0`, errorFields(error));
    try {
      this.#runner.dispose();
      this.#releaseData?.();
      this.state.failed(`${where}: ${message}`);
      this.phase = 'other';
      // smtp-server closes the connection after any 421.
      this.#raw(INTERNAL.code, `${INTERNAL.enhanced} ${INTERNAL.text}`, false);
    } catch (cleanup) {
      this.deps.log.error(`could not close the failed connection cleanly: ${String(cleanup)}`, errorFields(cleanup));
      this.#socket.destroy();
    }
  }

  onConnect(session: SMTPServerSession, callback: Callback): void {
    this.#session = session;
    const decision = this.deps.faults.sessionOpened(this.scenario, this.view());
    this.#run('connect', decision, { proceed: () => callback(), reply: (r) => callback(this.#refusal(r)) });
  }

  onSecure(socket: TLSSocket): void {
    this.#socket = socket;
    this.tls.secured(socket);
  }

  onAuth(auth: SMTPServerAuthentication, callback: (err: Error | null, response?: { user: string }) => void): void {
    this.phase = 'auth';
    const { credentials } = this.deps;
    if (!credentials) return this.#decideAuth(auth, callback);
    const user = auth.username ?? '';
    // An XOAUTH2 token is no password: no file entry can match it.
    const offered = auth.method === 'XOAUTH2' ? {} : { password: auth.password ?? undefined, validatePassword: auth.validatePassword?.bind(auth) };
    credentials.verify(user, offered).then(
      (ok) =>
        this.contain('onAuth', () => {
          if (ok) return this.#decideAuth(auth, callback);
          this.state.note(`AUTH ${auth.method} as "${user}" refused: not a user of --smtp-auth-file with that password`);
          // RFC 4954 §6: 535 5.7.8, as Mailpit (and Postfix) answer wrong credentials.
          callback(this.#refusal({ code: 535, enhanced: '5.7.8', lines: ['Authentication credentials invalid'] }));
        }),
      (error: unknown) => this.fail('checking --smtp-auth-file', error),
    );
  }

  #decideAuth(auth: SMTPServerAuthentication, callback: (err: Error | null, response?: { user: string }) => void): void {
    const user = auth.username ?? '';
    this.#persona.switchFor(user, 'AUTH username');
    const password = auth.password ?? auth.accessToken;
    const ctx = this.#context('auth', { auth: { mechanism: auth.method, user, password, validatePassword: auth.validatePassword?.bind(auth) } });
    this.#run('auth', this.deps.faults.decide(this.scenario, ctx), {
      proceed: () => {
        this.state.user = user;
        this.state.note(`authenticated as "${user}" with ${auth.method}`);
        this.deps.faults.sessionAuthenticated(this.scenario, this.view());
        callback(null, { user });
      },
      reply: (r) => {
        this.state.note(`AUTH ${auth.method} as "${user}" refused`);
        callback(this.#refusal(r));
      },
    });
  }

  /** After smtp-server's own checks (syntax, sequence, SIZE over the hard limit). */
  onMailFrom(address: SMTPServerAddress, callback: Callback): void {
    this.phase = 'mail';
    if (this.deps.credentials && !this.state.user) {
      this.state.note('refused: --smtp-auth-file requires AUTH before MAIL');
      // RFC 4954 §6: 530 5.7.0 Authentication required.
      return callback(this.#refusal({ code: 530, enhanced: '5.7.0', lines: ['Authentication required'] }));
    }
    this.#persona.switchFor(address.address, 'MAIL FROM');
    this.#bounces.reset();
    const dsn = this.#session?.envelope.dsn;
    const mailNote = dsn && dsnNote({ RET: dsn.ret, ENVID: dsn.envid });
    if (mailNote) this.state.note(mailNote);
    const size = address.args ? address.args.SIZE : undefined;
    const ctx = this.#context('mail', { sender: address.address, announcedSize: typeof size === 'string' ? Number(size) : undefined });
    this.#run('mail', this.deps.faults.decide(this.scenario, ctx), { proceed: () => callback(), reply: (r) => callback(this.#refusal(r)) });
  }

  onRcptTo(address: SMTPServerAddress, callback: Callback): void {
    this.phase = 'rcpt';
    if (this.#recipients.of(this.#session?.envelope).length >= this.deps.maxRecipients) {
      // Postfix's smtpd_recipient_limit (1000 by default), with the reply RFC 5321 §4.5.3.1.10 gives.
      return callback(this.#refusal(catalogueReply('TOO_MANY_RECIPIENTS')));
    }
    const ctx = this.#context('rcpt', { recipient: address.address });
    const rcptNote = address.dsn && dsnNote({ NOTIFY: address.dsn.notify, ORCPT: address.dsn.orcpt });
    if (rcptNote) this.state.note(rcptNote);
    const decision = this.deps.faults.decide(this.scenario, ctx);
    const proceed = () => {
      if (decision.verdict.kind === 'continue' && decision.verdict.bounce) this.#bounces.atRcpt(address.address, decision.verdict.bounce);
      callback();
    };
    this.#run('rcpt', decision, { proceed, reply: (r) => callback(this.#refusal(r)) });
  }

  onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const hooks = {
      progress: (bytes: number) => this.state.dataProgress(bytes),
      cutAfterBytes: () => this.#runner.cutAfterBytes,
      cut: (atBytes: number) => {
        this.state.faultDisconnect(`${this.#cutCause}, after ${atBytes} bytes of DATA`);
        this.#runner.disconnect();
      },
      aborted: (bytes: number) => this.state.note(`message aborted after ${bytes} bytes; nothing stored`),
      contain: (fn: () => void) => this.contain('receiving DATA', fn),
    };
    collectData(stream, this.deps.dataMemory, hooks, (result) => {
      this.phase = 'data-end';
      if (result.kind === 'oversized') {
        this.state.dataEnded(result.bytes);
        return callback(null);
      }
      if (result.kind === 'no-memory') {
        this.state.dataEnded(result.bytes);
        this.state.note(result.why ? `refused: ${result.why}` : `refused: messages in flight already hold the --max-data-memory budget (${formatSize(this.deps.dataMemory.limit)})`);
        // What Postfix answers when its queue file system is full (RFC 3463 4.3.1: mail system full).
        return callback(this.#refusal(catalogueReply('DATA_MEMORY_FULL')));
      }
      const { raw, release, spool } = result;
      this.#releaseData = release;
      this.state.dataEnded(raw.length);
      const envelope = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) };
      const ctx = this.#context('data-end', { message: messageFacts(raw) });
      // A spooled message's bytes move to the store's writer thread (empty here afterwards), and
      // a limit may read its header when it is counted: read it now (bounded: util/headers.ts).
      if (spool) void ctx.message?.headers;
      const done = (err: Error | null, message?: string) => {
        release();
        this.#releaseData = undefined;
        callback(err, message);
      };
      const checks = this.deps.authChecks;
      if (!checks || !usesAuthFacts(this.scenario)) return this.#decideEnd(raw, envelope, ctx, done, undefined, spool);
      // The scenario matches on DKIM/SPF/DMARC: they are checked (on the auth thread) before it decides.
      const request = { raw, sender: envelope.from, recipients: envelope.to.length, clientIp: normaliseAddress(this.state.client.address), helo: this.state.helo, scenario: this.scenario.name };
      checks.check(request).then(
        (auth) =>
          this.contain('checking DKIM, SPF and DMARC', () => {
            ctx.authResults = authFacts(auth);
            this.state.note(`auth: dkim=${auth.DKIM.Result} spf=${auth.SPF.Result} dmarc=${auth.DMARC.Result}`);
            this.#decideEnd(raw, envelope, ctx, done, auth, spool);
          }),
        (error: Error) =>
          this.contain('checking DKIM, SPF and DMARC', () => {
            // RFC 8601 §2.7: a check that could not complete is a temporary error.
            this.state.note(`auth: the checks failed: ${error.message}`);
            ctx.authResults = { dkim: 'temperror', spf: 'temperror', dmarc: 'temperror' };
            this.#decideEnd(raw, envelope, ctx, done, undefined, spool);
          }),
      );
    });
  }

  #decideEnd(raw: Buffer, envelope: { from: string; to: string[] }, ctx: FaultContext, done: (err: Error | null, message?: string) => void, auth?: AuthCheckResult, spool?: string): void {
    // The client left while the checks ran: nothing to decide, nothing stored.
    if (this.#socket.destroyed) return done(new Error('the connection closed before the end of DATA was decided'));
    const decision = this.deps.faults.decide(this.scenario, ctx);
    this.#run('data-end', decision, {
      proceed: () => {
        if (decision.verdict.kind === 'continue' && decision.verdict.bounce) this.#bounces.atDataEnd(decision.verdict.bounce, envelope.to);
        // The spool file holds the bytes received; the parse thread reads them there (mail/parse-pool.ts).
        const spooled = spool === undefined ? undefined : { path: spool, received: raw.length };
        this.#store(this.#stamped(raw, envelope, decision.prependHeaders), spooled, envelope, ctx, done, auth);
      },
      reply: (r) => done(this.#refusal(r)),
      blackhole: () => {
        this.state.blackholed();
        done(null, this.#persona.queuedText(`blackhole-${newId().slice(0, 10)}`));
      },
    });
  }

  /**
   * Server shutdown once the exchange in progress has its reply: the client then has what it
   * waited for, and an idle client would otherwise hold the stop for its whole grace period
   * (smtp-server itself answers 421 only to a next command, which an idle client never sends).
   */
  shutdownAfterExchange(text: string): void {
    if (this.state.midExchange) this.#shutdownAfter = text;
    else this.shutdown(text);
  }

  #shutdownSoon(text: string): void {
    this.#shutdownAfter = undefined;
    // After the reply writer has returned: the 421 follows the reply it is sending.
    setImmediate(() => {
      if (!this.#closed) this.shutdown(text);
    });
  }

  /** Server shutdown: 421 (RFC 5321 §3.8), after which smtp-server closes the connection. */
  shutdown(text: string): void {
    this.#runner.dispose();
    this.phase = 'other';
    sendReply(this.#connection, 421, text);
  }

  closed(): void {
    this.#closed = true;
    this.#releaseData?.();
    this.tls.closed();
    this.#runner.dispose();
    // A message still being stored keeps the room its limits hold until it is counted (faults/reservations.ts).
    const close = () => this.deps.faults.sessionClosed(this.scenario, this.state.id);
    if (this.#storing) void this.#storing.finally(close);
    else close();
  }

  /**
   * The message as stored: Mailpit's trace fields (Return-Path, Received, a Message-ID when
   * missing; trace-headers.ts) and the engine's own (X-Greylist) on top of the bytes received,
   * which stay the stored message's tail (the transaction's Size counts them).
   */
  #stamped(raw: Buffer, envelope: { from: string; to: string[] }, engine: string[] | undefined): Promise<Buffer> {
    const { state } = this;
    const trace = traceHeaders(raw, {
      helo: state.helo,
      greeting: state.greeting,
      clientAddress: state.client.address,
      hostname: this.scenario.persona.hostname ?? this.deps.hostname,
      secure: state.tls !== null,
      authenticated: state.user !== '',
      envelopeFrom: envelope.from,
      recipients: envelope.to,
      now: this.deps.clock.now(),
    });
    const engineLines = withHeaders(engine, (line) => state.note(`prepended ${line}`));
    if (trace.messageId) state.note(`the message has no Message-ID: added ${trace.messageId}`);
    const lines = [...trace.top, ...engineLines, ...(trace.messageId ? [`Message-ID: ${trace.messageId}`] : [])];
    // A slice per turn into shared memory, as the message itself was assembled: one 20 MiB
    // Buffer.concat here, and the copy the store's threads then needed of a buffer not shared,
    // held the event loop twice per large message.
    return new Promise((resolve) => prepend(Buffer.from(lines.map((line) => `${line}\r\n`).join(''), 'utf8'), raw, resolve));
  }

  #store(
    stamped: Promise<Buffer>,
    spooled: { path: string; received: number } | undefined,
    envelope: { from: string; to: string[] },
    ctx: FaultContext,
    callback: (err: Error | null, message?: string) => void,
    auth?: AuthCheckResult,
  ): void {
    // The store writes the session's row with the message; its transcript and transactions come at close.
    const session = this.state.record(false, false);
    const smtpEnvelope = this.#session?.envelope;
    const ingest = (raw: Buffer) => {
      const spool = spooled && { path: spooled.path, offset: raw.length - spooled.received };
      try {
        return this.deps.messages.ingest({ raw, envelope, session, ...(spool && { spool }) });
      } catch (error) {
        // mailsim's bug, not a refusal: 421 and the stack, as in any hook (the refusal path below is then skipped).
        this.fail('storing a message', error);
        throw error;
      }
    };
    const storing = stamped.then(ingest).then(
      ({ id, subject }) =>
        this.contain('storing a message', () => {
          this.state.stored(id, subject ?? null);
          if (auth) this.deps.authChecks?.remember(id, auth);
          if (this.deps.reports && smtpEnvelope) this.#report(id, session, smtpEnvelope, ctx);
          for (const note of this.deps.faults.delivered(this.scenario, ctx) ?? []) this.state.note(note);
          callback(null, this.#persona.queuedText(id));
        }),
      (error: IngestRefusal) =>
        this.contain('storing a message', () => {
          this.state.note(`storing the message failed: ${error.message}`);
          this.deps.log.warn(`store: ${error.message}`);
          // The store says what to answer when it knows (452 4.3.1 for a full disk); else 451 4.3.0.
          const { code, enhanced, text } = error.reply ?? smtpReply('STORE_FAILED');
          callback(this.#refusal({ code, enhanced, lines: [text] }));
        }),
    );
    this.#storing = storing;
    void storing.finally(() => {
      if (this.#storing === storing) this.#storing = undefined;
    });
  }

  #report(id: string, session: SessionRecord, envelope: SMTPServerEnvelope, ctx: FaultContext): void {
    const render = (template: string, recipient: string) => this.deps.faults.render(this.scenario, template, { ...ctx, recipient });
    const message = acceptedMessage({ id, session, envelope, scenario: this.scenario, hostname: this.deps.hostname, bounces: this.#bounces, render });
    if (this.#bounces.planned) for (const r of message.recipients) if (r.bounce) this.state.note(`bounce planned for ${r.address}: ${r.bounce.kind} in ${r.bounce.afterMs} ms of scenario-clock time`);
    this.deps.reports?.accepted(message);
  }

  #swallow(payload: string): boolean {
    const why = this.#runner.swallows();
    if (why === 'silent') this.state.note(`not answered (the server is silent): ${payload.split('\n').join(' ')}`);
    if (why === 'withheld') this.state.withheld(payload, this.#withheldBy);
    return why !== undefined;
  }

  #run(phase: Phase, decision: Decision, carry: Carry): void {
    const reply = decision.verdict.kind === 'reply' ? formatReply(decision.verdict.reply) : null;
    for (const fired of decision.fired) {
      this.state.note(`fault: ${fired.source} '${fired.name}' at ${phase}: ${fired.reason}`);
      // The UI shows this reading of the fault instead of guessing from the reply code.
      if (fired.explanation) this.state.note(explanationNote(fired.explanation));
      const explanation = wireExplanation(fired);
      this.deps.onFault({ SessionID: this.state.id, At: this.deps.clock.now(), Phase: phase, Source: fired.source, Name: fired.name, Reason: fired.reason, Reply: reply, Scenario: this.scenario.name, ...(explanation && { Explanation: explanation }) });
    }
    const causes = decision.fired.map((f) => `${f.source} '${f.name}'`).join(', ');
    if (decision.verdict.kind === 'stall') this.state.stalled(causes);
    if (decision.verdict.kind === 'continue' && decision.verdict.withhold) {
      this.#withheldBy = causes;
      if (decision.verdict.withhold === 'stall') this.state.stalled(causes);
      else this.state.faultDisconnect(causes);
    }
    if (decision.verdict.kind === 'disconnect') {
      if (decision.verdict.afterBytes === undefined) this.state.faultDisconnect(causes);
      else this.#cutCause = causes;
    }
    const last = decision.fired.at(-1);
    if (decision.verdict.kind === 'reply') this.state.faultReply(last ? `${last.source} '${last.name}'` : 'fault', last && wireExplanation(last));
    this.#runner.run(decision, carry);
  }

  /**
   * A persona reply with the transaction it answers: Yahoo's "250 sender <{sender}> ok" and
   * "250 recipient <{recipient}> ok" name the address just accepted (smtp-server records it in
   * the envelope before it writes the 250).
   */
  #renderReply(template: string): string {
    const phase = this.phase === 'other' ? 'connect' : this.phase;
    const recipient = this.phase === 'rcpt' ? this.#session?.envelope.rcptTo.at(-1)?.address : undefined;
    return this.deps.faults.render(this.scenario, template, this.#context(phase, recipient ? { recipient } : {}));
  }

  #context(phase: Phase, extra: Partial<FaultContext>): FaultContext {
    const envelope = this.#session?.envelope;
    return {
      phase,
      session: this.view(),
      sender: envelope?.mailFrom ? envelope.mailFrom.address : undefined,
      recipients: this.#recipients.of(envelope),
      ...extra,
    };
  }

  /**
   * A refusal as smtp-server's hook callbacks take it. Not an exception, so no stack: capturing
   * one cost ~20 µs, which made 100,000 refused RCPT spend 2 s on stack traces alone.
   */
  #refusal(reply: Reply): Error {
    this.#override = reply;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return Object.assign(new Error(reply.lines.join(' ')), { responseCode: reply.code });
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  #takeOverride(code: number): Reply | undefined {
    const override = this.#override;
    if (!override || override.code !== code) return undefined;
    this.#override = undefined;
    return override;
  }
}

/** A header field line the engine may add: a name (RFC 5322 §3.6.8), a colon, no line break. */
const HEADER_LINE = /^[!-9;-~]+:[^\r\n]*$/;

/**
 * The engine's trace fields to put on top (postgrey's X-Greylist, as a Postfix PREPEND puts
 * them); a malformed line (or a HELO name with a control character) is left out, never stored.
 */
function withHeaders(lines: string[] | undefined, noted: (line: string) => void): string[] {
  const valid = (lines ?? []).filter((line) => HEADER_LINE.test(line));
  for (const line of valid) noted(line);
  return valid;
}

function wireExplanation({ explanation }: Fired): FaultExplanation | undefined {
  return explanation && { Cause: explanation.cause, Advice: explanation.advice, ...(explanation.source && { Source: explanation.source }) };
}

function formatReply(reply: Reply): string {
  return withEnhanced(reply)
    .map((line) => `${reply.code} ${line}`)
    .join('\n');
}

/** A catalogue entry's SMTP reply, in the shape a refusal takes. */
function catalogueReply(code: Parameters<typeof smtpReply>[0]): Reply {
  const { code: reply, enhanced, text } = smtpReply(code);
  return { code: reply, enhanced, lines: [text] };
}

/** One transcript line the UI parses back (ui/src/lib/explain.ts faultExplanation). */
function explanationNote(e: { cause: string; advice: string; source?: string }): string {
  return `explanation: ${e.cause} | advice: ${e.advice}${e.source ? ` | source: ${e.source}` : ''}`;
}
