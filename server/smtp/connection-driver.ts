import type { Socket } from 'node:net';
import type { SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Clock, MessageSink } from '../ports/contracts.js';
import type { FaultContext, SessionView } from '../faults/context.js';
import type { Decision, Reply } from '../faults/decision.js';
import type { Persona, Phase, Scenario } from '../faults/schema.js';
import type { FaultEvent } from '../protocol.js';
import { headerMap } from '../util/headers.js';
import { newId } from '../util/ids.js';
import { authMechanism, parseAddressCommand, phaseOf, scenarioTag } from './commands.js';
import { DecisionRunner } from './decision-runner.js';
import { collectData } from './data-collector.js';
import { endpointsOf } from './endpoints.js';
import { advertisesAuth, ehloCapabilities, offersStartTls, withListenerTls } from './ehlo-lines.js';
import type { FaultPort, ScenarioLookup } from './fault-port.js';
import type { SMTPConnection } from './prompt-server.js';
import { shapeReplies, withEnhanced } from './reply-shaper.js';
import { SessionState } from './session-state.js';
import type { TlsGate } from './tls-gate.js';
import { TlsTracker } from './tls-tracker.js';

export interface DriverDeps {
  faults: FaultPort;
  scenarios: ScenarioLookup;
  /** The listener's scenario at the moment the connection arrives. */
  scenario: Scenario;
  hostname: string;
  maxMessageSize: number;
  tls: Pick<TlsGate, 'canStartTls' | 'forcesStartTls'>;
  clock: Clock;
  messages: MessageSink;
  onFault(event: FaultEvent): void;
  warn(message: string): void;
}

type Internals = { _nextHandler: unknown; _upgrading: boolean; session: SMTPServerSession; send(code: number, data: string | string[], context?: unknown): void };
type CommandFn = (command: Buffer, callback?: () => void) => void;

/**
 * One SMTP connection seen through the fault engine: it turns smtp-server's hooks and command
 * stream into FaultContexts, asks the engine, and carries out its decisions. The engine's
 * `continue` leaves smtp-server's normal behaviour untouched.
 */
export class ConnectionDriver {
  readonly state: SessionState;
  readonly tls: TlsTracker;
  scenario: Scenario;
  phase: Phase | 'other' = 'connect';
  readonly #runner: DecisionRunner;
  readonly #conn: Internals;
  #override: Reply | undefined;
  /** The rule that asked to drop the connection part-way through the message. */
  #cutCause = '';

  constructor(
    connection: SMTPConnection,
    private readonly socket: Socket,
    private readonly deps: DriverDeps,
  ) {
    this.#conn = connection as unknown as Internals;
    this.scenario = deps.scenario;
    const { client, server } = endpointsOf(socket);
    this.state = new SessionState(connection.id, client, server, deps.clock);
    this.state.note(`scenario ${this.scenario.name}`);
    this.tls = new TlsTracker(this.state);
    this.#runner = new DecisionRunner(socket);
    shapeReplies(connection, {
      phase: () => this.phase,
      persona: () => this.scenario.persona,
      render: (template) => this.#render(template),
      capabilities: () => this.#capabilities(),
      takeOverride: (code) => this.#takeOverride(code),
    });
    const target = connection as unknown as { _onCommand: CommandFn };
    const original = target._onCommand.bind(connection);
    // smtp-server flushes an unterminated last line (the client half-closed after it) with no
    // callback at all; every branch below that answers a command itself calls one.
    target._onCommand = (command, callback) => this.#command(command, callback ?? (() => {}), original);
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

  onConnect(callback: (err?: Error | null) => void): void {
    const decision = this.deps.faults.sessionOpened(this.scenario, this.view());
    this.#run('connect', decision, { proceed: () => callback(), reply: (r) => callback(this.#refusal(r)) });
  }

  onAuth(auth: SMTPServerAuthentication, callback: (err: Error | null, response?: { user: string }) => void): void {
    this.phase = 'auth';
    const user = auth.username ?? '';
    this.#maybeSwitchScenario(user, 'AUTH username');
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

  onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const hooks = {
      progress: (bytes: number) => this.state.dataProgress(bytes),
      cutAfterBytes: () => this.#runner.cutAfterBytes,
      cut: (atBytes: number) => {
        this.state.faultDisconnect(`${this.#cutCause}, after ${atBytes} bytes of DATA`);
        this.#runner.disconnect();
      },
      aborted: (bytes: number) => this.state.note(`message aborted after ${bytes} bytes; nothing stored`),
    };
    collectData(stream, hooks, (result) => {
      this.phase = 'data-end';
      if (result.kind === 'oversized') {
        this.state.dataEnded(result.bytes);
        return callback(null);
      }
      const { raw } = result;
      this.state.dataEnded(raw.length);
      const envelope = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) };
      const ctx = this.#context('data-end', { message: messageFacts(raw) });
      this.#run('data-end', this.deps.faults.decide(this.scenario, ctx), {
        proceed: () => this.#store(raw, envelope, ctx, callback),
        reply: (r) => callback(this.#refusal(r)),
        blackhole: () => {
          this.state.blackholed();
          callback(null, this.#queuedText(`blackhole-${newId().slice(0, 10)}`));
        },
      });
    });
  }

  /** Server shutdown: 421 (RFC 5321 §3.8), after which smtp-server closes the connection. */
  shutdown(text: string): void {
    this.#runner.dispose();
    this.phase = 'other';
    this.#conn.send(421, text);
  }

  closed(): void {
    this.tls.closed();
    this.#runner.dispose();
    this.deps.faults.sessionClosed(this.scenario, this.state.id);
  }

  #store(raw: Buffer, envelope: { from: string; to: string[] }, ctx: FaultContext, callback: (err?: Error | null, message?: string) => void): void {
    this.deps.messages.ingest({ raw, envelope, session: this.state.record() }).then(
      ({ id }) => {
        this.state.note(`message stored as ${id}`);
        this.deps.faults.delivered(this.scenario, ctx);
        callback(null, this.#queuedText(id));
      },
      (error: Error) => {
        this.state.note(`storing the message failed: ${error.message}`);
        this.deps.warn(`store: ${error.message}`);
        callback(Object.assign(new Error('4.3.0 Temporary failure storing the message, try again later'), { responseCode: 451 }));
      },
    );
  }

  /** Every command line passes here before smtp-server sees it. */
  #command(command: Buffer, callback: () => void, original: CommandFn): void {
    if (TlsTracker.isClientHello(command)) {
      // Answered the way a plaintext server does, with a 500.
      this.tls.clientHelloOnPlainPort();
      this.phase = 'other';
      return original(command, callback);
    }
    const line = command.toString();
    this.state.command(line);
    if (this.#conn._nextHandler || this.#conn._upgrading) return original(command, callback);
    const phase = phaseOf(line);
    this.phase = phase ?? 'other';
    if (!phase) return original(command, callback);
    if (phase === 'auth') return this.#authCommand(line, command, callback, original);
    if (phase === 'starttls' && !this.#offersStartTls()) {
      // What a server without TLS answers (Postfix: smtpd.c); the command must not reach smtp-server.
      this.#conn.send(502, '5.5.1 Error: command not implemented', false);
      return callback();
    }
    const { address, size } = phase === 'mail' || phase === 'rcpt' ? parseAddressCommand(line) : { address: undefined, size: undefined };
    if (phase === 'mail' && address) this.#maybeSwitchScenario(address, 'MAIL FROM');
    const ctx = this.#context(phase, phase === 'mail' ? { sender: address ?? '', announcedSize: size } : phase === 'rcpt' ? { recipient: address ?? '' } : {});
    this.#run(phase, this.deps.faults.decide(this.scenario, ctx), {
      proceed: () => {
        if (phase === 'starttls') this.tls.upgrading();
        original(command, callback);
      },
      reply: (r) => {
        this.#conn.send(r.code, withEnhanced(r), false);
        callback();
      },
    });
  }

  /** Mechanisms the persona does not offer, or AUTH it hides before TLS, never reach smtp-server. */
  #authCommand(line: string, command: Buffer, callback: () => void, original: CommandFn): void {
    const persona = this.scenario.persona;
    if (!advertisesAuth(persona, { secure: this.state.tls !== null })) {
      const reply = persona.tls.replies.required;
      this.#conn.send(reply.code, withEnhanced({ code: reply.code, enhanced: reply.enhanced, lines: [reply.text].flat().map((t) => this.#render(t)) }), false);
      return callback();
    }
    if (!persona.auth.mechanisms.includes(authMechanism(line) as never)) {
      this.#conn.send(504, '5.5.4 Unrecognized authentication type', false);
      return callback();
    }
    original(command, callback);
  }

  #run(phase: Phase, decision: Decision, carry: Parameters<DecisionRunner['run']>[1]): void {
    const reply = decision.verdict.kind === 'reply' ? formatReply(decision.verdict.reply) : null;
    for (const fired of decision.fired) {
      this.state.note(`fault: ${fired.source} '${fired.name}' at ${phase}: ${fired.reason}`);
      this.deps.onFault({ SessionID: this.state.id, At: this.deps.clock.now(), Phase: phase, Source: fired.source, Name: fired.name, Reason: fired.reason, Reply: reply, Scenario: this.scenario.name });
    }
    const causes = decision.fired.map((f) => `${f.source} '${f.name}'`).join(', ');
    if (decision.verdict.kind === 'stall') this.state.stalled(causes);
    if (decision.verdict.kind === 'disconnect') {
      if (decision.verdict.afterBytes === undefined) this.state.faultDisconnect(causes);
      else this.#cutCause = causes;
    }
    const last = decision.fired.at(-1);
    if (decision.verdict.kind === 'reply') this.state.faultReply(last ? `${last.source} '${last.name}'` : 'fault');
    this.#runner.run(decision, carry);
  }

  #context(phase: Phase, extra: Partial<FaultContext>): FaultContext {
    const envelope = this.#conn.session.envelope;
    return {
      phase,
      session: this.view(),
      sender: envelope?.mailFrom ? envelope.mailFrom.address : undefined,
      recipients: envelope?.rcptTo?.map((r) => r.address) ?? [],
      ...extra,
    };
  }

  #maybeSwitchScenario(address: string, where: string): void {
    const name = scenarioTag(address);
    if (!name || name === this.scenario.name) return;
    const next = this.deps.scenarios(name);
    if (!next) return this.state.note(`${where} asks for scenario "${name}", which does not exist; staying with ${this.scenario.name}`);
    this.deps.faults.sessionMoved(this.scenario, next, this.view());
    this.scenario = next;
    this.state.note(`${where} selects scenario ${name} for the rest of the session`);
  }

  #refusal(reply: Reply): Error {
    this.#override = reply;
    return Object.assign(new Error(reply.lines.join(' ')), { responseCode: reply.code });
  }

  #takeOverride(code: number): Reply | undefined {
    const override = this.#override;
    if (!override || override.code !== code) return undefined;
    this.#override = undefined;
    return override;
  }

  #queuedText(queueId: string): string {
    const template = this.scenario.persona.replies.queued;
    return template === undefined ? `Ok: queued as ${queueId}` : this.#render(template, { queueId });
  }

  #render(template: string, extra?: Record<string, string>): string {
    return this.deps.faults.render(this.scenario, template, { session: this.view() }, extra);
  }

  #capabilities(): string[] {
    return ehloCapabilities(this.#persona(), {
      secure: this.state.tls !== null,
      authenticated: this.state.user !== '',
      canStartTls: this.deps.tls.canStartTls,
      size: this.scenario.persona.size ?? this.deps.maxMessageSize,
    });
  }

  #persona(): Persona {
    return withListenerTls(this.scenario.persona, this.deps.tls.forcesStartTls);
  }

  #offersStartTls(): boolean {
    return offersStartTls(this.#persona(), { secure: this.state.tls !== null, canStartTls: this.deps.tls.canStartTls });
  }
}

/**
 * The message as rules see it at data-end. Headers are read only when a rule asks (subject,
 * from, header matchers): most scenarios never do, and every message is parsed in full by the
 * store's thread anyway.
 */
function messageFacts(raw: Buffer): NonNullable<FaultContext['message']> {
  let headers: Record<string, string[]> | undefined;
  return {
    size: raw.length,
    get headers() {
      return (headers ??= headerMap(raw));
    },
  };
}

function formatReply(reply: Reply): string {
  return withEnhanced(reply)
    .map((line) => `${reply.code} ${line}`)
    .join('\n');
}
