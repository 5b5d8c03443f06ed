import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Clock, Endpoint, MessageSink, SessionSink } from '../ports/contracts.js';
import type { Log } from '../ports/log.js';
import type { Scenario } from '../faults/schema.js';
import type { FaultEvent } from '../protocol.js';
import { ConnectionDriver } from './connection-driver.js';
import type { FaultPort, ScenarioLookup } from './fault-port.js';
import { PromptSMTPServer, type SMTPConnection } from './prompt-server.js';
import { type ContextSource, type ListenerMode, TlsGate } from './tls-gate.js';
import { transcriptLogger } from './transcript-tap.js';

export interface ListenerOptions {
  host: string;
  port: number;
  /** Name in the banner and the EHLO reply unless the scenario's persona names one. */
  hostname: string;
  /** Hard limit on message size, whatever a persona advertises (protects memory). */
  maxMessageSize: number;
  idleTimeoutMs: number;
  /** Name of the scenario new connections get. */
  scenario: string;
  /** plain, STARTTLS (auto: when the persona offers it; starttls: always) or implicit TLS. */
  mode: ListenerMode;
  scenarios: ScenarioLookup;
  faults: FaultPort;
  messages: MessageSink;
  sessions: SessionSink;
  clock: Clock;
  onFault(event: FaultEvent): void;
  log: Log;
}

/** The mechanisms smtp-server will run; which of them a session offers is the persona's call. */
const AUTH_METHODS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'];
const SHUTDOWN_REPLY = '4.3.2 Service shutting down, try again later';

/**
 * One SMTP listening socket: smtp-server with every connection handed to a ConnectionDriver,
 * which consults the fault engine under the listener's scenario and records the session.
 */
export class SmtpListener {
  readonly #server: PromptSMTPServer;
  readonly #drivers = new Map<string, ConnectionDriver>();
  readonly #tls: TlsGate;
  #scenario: string;
  #address: Endpoint | undefined;
  /** The scenario the listener was started with: POST /api/v1/reset goes back to it. */
  readonly initialScenario: string;

  constructor(private readonly options: ListenerOptions) {
    this.#scenario = options.scenario;
    this.initialScenario = options.scenario;
    this.#tls = new TlsGate(options.mode, () => options.scenarios(this.#scenario)?.persona.tls.fault ?? 'none', options.sessions, options.clock);
    this.#server = new PromptSMTPServer(
      {
        secure: options.mode === 'tls',
        // Certificates come from the TLS gate (scenario faults pick them); an SNI callback also
        // tells smtp-server not to fall back to its built-in, publicly known key.
        SNICallback: (_name, callback) => callback(null, this.#tls.contextMap().get('*')),
        name: options.hostname,
        banner: 'mailsim',
        size: options.maxMessageSize,
        // smtp-server answers a message over the hard limit itself with 552 5.3.4 (RFC 3463).
        rejectOversized: true,
        authMethods: AUTH_METHODS,
        // The persona decides whether AUTH is required (the engine answers MAIL without it).
        authOptional: true,
        allowInsecureAuth: true,
        disableReverseLookup: true,
        hideENHANCEDSTATUSCODES: false,
        hideSTARTTLS: true,
        socketTimeout: options.idleTimeoutMs,
        closeTimeout: 10_000,
        logger: transcriptLogger(this.#tap()) as never,
        onConnect: (session, callback) => this.#driver(session.id).onConnect(callback),
        onSecure: (socket, session, callback) => {
          const driver = this.#driver(session.id);
          driver.tls.secured(socket as TLSSocket);
          socket.on('timeout', () => driver.state.timedOut());
          callback();
        },
        onClose: (session) => this.#closed(session.id),
        onAuth: (auth, session, callback) => this.#driver(session.id).onAuth(auth, callback),
        onData: (stream, session, callback) => this.#driver(session.id).onData(stream, session, callback),
      },
      (connection, socket) => this.#track(connection, socket),
      (message) => options.log.warn(message),
      (socket) => this.#tls.accepted(socket),
    );
    this.#server.secureContext = this.#tls.contextMap();
    // Client-caused errors (resets, failed handshakes) are recorded on their sessions; they are
    // not the operator's problem and must never take the server down.
    this.#server.on('error', (error: Error & { meta?: { stage?: string; remoteAddress?: string; message?: string } }) => {
      if (error.meta?.stage === 'connect') this.#tls.handshakeFailed(error.meta.remoteAddress, error.meta.message ?? error.message);
    });
  }

  /** Certificates are made asynchronously at start-up, before the listener accepts connections. */
  useTls(contexts: ContextSource): void {
    this.#tls.useContexts(contexts);
  }

  get mode(): ListenerMode {
    return this.options.mode;
  }

  async listen(): Promise<Endpoint> {
    const server = this.#server.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const info = server.address() as AddressInfo;
    this.#address = { address: info.address, port: info.port };
    return this.#address;
  }

  get address(): Endpoint | undefined {
    return this.#address;
  }

  get scenario(): string {
    return this.#scenario;
  }

  /** New connections get this scenario; open ones keep theirs. */
  set scenario(name: string) {
    this.#scenario = name;
  }

  get activeSessions(): number {
    return this.#drivers.size;
  }

  /**
   * Stops accepting connections, tells idle clients 421 at once and lets a transaction in
   * progress finish (smtp-server answers its next command with 421), up to `graceMs`.
   */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(resolve));
    for (const driver of this.#drivers.values()) {
      if (!driver.state.midExchange || driver.stalled) driver.shutdown(SHUTDOWN_REPLY);
    }
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([closed, deadline]);
    // Whatever is still open past the grace period is cut, and its session recorded now,
    // while the store is still open.
    for (const [id, driver] of this.#drivers) {
      driver.state.note('server shut down while the session was open');
      this.#closed(id);
      driver.shutdown(SHUTDOWN_REPLY);
    }
  }

  #driver(id: string): ConnectionDriver {
    const driver = this.#drivers.get(id);
    if (!driver) throw new Error(`no session ${id}`);
    return driver;
  }

  #track(connection: SMTPConnection, socket: Socket): void {
    const { options } = this;
    this.#tls.connected(socket);
    const scenario: Scenario | undefined = options.scenarios(this.#scenario);
    if (!scenario) {
      options.log.warn(`scenario "${this.#scenario}" is not available; refusing the connection`);
      socket.destroy();
      return;
    }
    const driver = new ConnectionDriver(connection, socket, {
      faults: options.faults,
      scenarios: options.scenarios,
      scenario,
      hostname: options.hostname,
      maxMessageSize: options.maxMessageSize,
      tls: this.#tls,
      clock: options.clock,
      messages: options.messages,
      onFault: options.onFault,
      warn: (message) => options.log.child({ session: connection.id }).warn(message),
    });
    this.#drivers.set(connection.id, driver);
    // smtp-server strips the raw socket's listeners at STARTTLS, so the close comes through its
    // onClose hook and the idle timeout is watched on whichever socket carries the session.
    socket.on('timeout', () => driver.state.timedOut());
    options.sessions.opened(driver.state);
  }

  #closed(id: string): void {
    const driver = this.#drivers.get(id);
    if (!driver) return;
    this.#drivers.delete(id);
    driver.closed();
    driver.state.note(driver.state.facts.quit ? 'connection closed' : 'connection closed without QUIT');
    this.options.sessions.closed(driver.state.end());
  }

  #tap() {
    const state = (id: string | undefined) => (id === undefined ? undefined : this.#drivers.get(id)?.state);
    return {
      reply: (id: string, payload: string) => state(id)?.reply(payload),
      error: (id: string | undefined, message: string) => (id === undefined ? undefined : this.#drivers.get(id)?.tls.socketError(message)),
    };
  }
}
