import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Clock, Endpoint, MessageSink, SessionSink } from '../ports/contracts.js';
import { errorFields, type Log } from '../ports/log.js';
import type { Scenario } from '../faults/schema.js';
import type { FaultEvent } from '../protocol.js';
import { ConnectionDriver } from './connection-driver.js';
import type { FaultPort, ScenarioLookup } from './fault-port.js';
import { MemoryBudget } from './memory-budget.js';
import { SeamedSMTPServer, type SMTPConnection } from './smtp-server-seams.js';
import { smtpServerLogger } from './smtp-server-log.js';
import { type ContextSource, TlsGate } from './tls-gate.js';
import type { ListenerMode } from '../util/listener-modes.js';
import { DEFAULT_TRANSCRIPT_BUDGET, type TranscriptBudget } from './transcript.js';
import { smtpReply } from '../errors/catalogue.js';
import type { CredentialCheck } from '../util/htpasswd.js';
import type { AuthChecks } from '../ports/auth-checks.js';
import type { DeliveryReports } from '../ports/delivery-reports.js';

export interface ListenerOptions {
  host: string;
  port: number;
  /** Name in the banner and the EHLO reply unless the scenario's persona names one. */
  hostname: string;
  /** Hard limit on message size, whatever a persona advertises (protects memory). */
  maxMessageSize: number;
  /** RCPT per transaction; more get 452 4.5.3 (Postfix's smtpd_recipient_limit: 1000). */
  maxRecipients?: number;
  /** Bytes all in-flight messages may hold, shared by every listener; past it, 452 4.3.1. */
  dataMemory?: MemoryBudget;
  /** Bytes session transcripts may take, shared by every listener. */
  transcripts?: TranscriptBudget;
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
  /** --smtp-auth-file: AUTH must name one of its users, and MAIL needs AUTH (as Mailpit). */
  credentials?: CredentialCheck | undefined;
  /** DKIM/SPF/DMARC checks, for scenarios whose rules match on them. */
  authChecks?: AuthChecks | undefined;
  /** Told of every stored message with its DSN parameters and planned bounces. */
  reports?: DeliveryReports | undefined;
}

/** The mechanisms smtp-server will run; which of them a session offers is the persona's call. */
const AUTH_METHODS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'];
const SHUTDOWN = smtpReply('SHUTTING_DOWN');
const SHUTDOWN_REPLY = `${SHUTDOWN.enhanced} ${SHUTDOWN.text}`;
const INTERNAL = smtpReply('SMTP_INTERNAL');
const DEFAULT_MAX_RECIPIENTS = 1000;
const DEFAULT_DATA_MEMORY = 256 * 1024 * 1024;
/** RFC 4954 §4: an AUTH command line, the longest a command may have, within 12,288 octets. */
const MAX_COMMAND_LINE = 12_288;

type Hooked = (error?: Error | null) => void;
/** Errors smtp-server reports on its 'error' event that a client caused (resets, failed handshakes). */
const CLIENT_CAUSED = /^(ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNABORTED|ECONNECTION|SocketError|TLSError|ERR_SSL_|ERR_TLS_)/;

/**
 * One SMTP listening socket: smtp-server with every connection handed to a ConnectionDriver,
 * which consults the fault engine under the listener's scenario and records the session.
 */
export class SmtpListener {
  readonly #server: SeamedSMTPServer;
  readonly #drivers = new Map<string, ConnectionDriver>();
  readonly #tls: TlsGate;
  readonly #dataMemory: MemoryBudget;
  #scenario: string;
  #address: Endpoint | undefined;
  /** The scenario the listener was started with: POST /api/v1/reset goes back to it. */
  readonly initialScenario: string;

  constructor(private readonly options: ListenerOptions) {
    this.#scenario = options.scenario;
    this.initialScenario = options.scenario;
    this.#dataMemory = options.dataMemory ?? new MemoryBudget(DEFAULT_DATA_MEMORY);
    this.#tls = new TlsGate(options.mode, () => options.scenarios(this.#scenario)?.persona.tls.fault ?? 'none', options.sessions, options.clock);
    // Throws a SeamError naming what is missing if the installed smtp-server lacks a seam.
    this.#server = new SeamedSMTPServer(
      {
        secure: options.mode === 'tls',
        // Certificates come from the TLS gate (scenario faults pick them); an SNI callback also
        // tells smtp-server not to fall back to its built-in, publicly known key.
        SNICallback: (_name, callback) => {
          try {
            callback(null, this.#tls.contextMap().get('*'));
          } catch (error) {
            options.log.error('picking the TLS certificate failed', errorFields(error));
            callback(error as Error, undefined);
          }
        },
        name: options.hostname,
        banner: 'mailsim',
        size: options.maxMessageSize,
        // The engine refuses an announced SIZE= over the limit at MAIL, in the persona's words
        // (RFC 1870); smtp-server would answer first in its own. EHLO's SIZE line is shaped anyway.
        hideSize: true,
        // smtp-server answers a message over the hard limit itself with 552 5.3.4 (RFC 3463).
        rejectOversized: true,
        authMethods: AUTH_METHODS,
        // The persona decides whether AUTH is required (the engine answers MAIL without it).
        authOptional: true,
        allowInsecureAuth: true,
        disableReverseLookup: true,
        hideENHANCEDSTATUSCODES: false,
        hideSTARTTLS: true,
        // smtp-server then parses and checks RET, ENVID, NOTIFY and ORCPT (RFC 3461) into
        // session.envelope.dsn and each recipient's dsn; whether EHLO lists DSN is the persona's call.
        hideDSN: false,
        // The longest line any command may have: an AUTH line (RFC 4954 §4: 12,288 octets; other
        // commands 512, RFC 5321 §4.5.3.1.4). A longer one is answered 421 and the connection
        // closed by smtp-server before the line reaches mailsim: a flood of 16 KB NOOPs (issue 9,
        // item 10) cost every other client a second and more while each line was handled.
        maxCommandLength: MAX_COMMAND_LINE,
        socketTimeout: options.idleTimeoutMs,
        closeTimeout: 10_000,
        logger: smtpServerLogger(options.log, (id) => this.#drivers.has(id)) as never,
        onConnect: (session, callback) => this.#hook(session.id, 'onConnect', callback, (d) => d.onConnect(session, callback)),
        onSecure: (socket, session, callback) =>
          this.#hook(session.id, 'onSecure', callback, (driver) => {
            driver.onSecure(socket as TLSSocket);
            socket.on('timeout', () => driver.state.timedOut());
            callback();
          }),
        onClose: (session) => this.#closed(session.id),
        onAuth: (auth, session, callback) => this.#hook(session.id, 'onAuth', (error) => callback(error ?? null), (d) => d.onAuth(auth, callback)),
        onMailFrom: (address, session, callback) => this.#hook(session.id, 'onMailFrom', callback, (d) => d.onMailFrom(address, callback)),
        onRcptTo: (address, session, callback) => this.#hook(session.id, 'onRcptTo', callback, (d) => d.onRcptTo(address, callback)),
        onData: (stream, session, callback) => this.#hook(session.id, 'onData', callback, (d) => d.onData(stream, session, callback)),
      },
      (connection, socket) => this.#track(connection, socket),
    );
    this.#server.useContextMap(this.#tls.contextMap());
    this.#server.on('error', (error: Error & { code?: string; meta?: { stage?: string; remoteAddress?: string; message?: string } }) => this.#serverError(error));
  }

  /** Certificates are made asynchronously at start-up, before the listener accepts connections. */
  useTls(contexts: ContextSource): void {
    this.#tls.useContexts(contexts);
  }

  get mode(): ListenerMode {
    return this.options.mode;
  }

  /** A STARTTLS or auto listener whose certificate is loaded. */
  get canStartTls(): boolean {
    return this.#tls.canStartTls;
  }

  async listen(): Promise<Endpoint> {
    const server = this.#server.listen(this.options.port, this.options.host);
    // Before smtp-server's own handler: on an implicit-TLS port that one starts the handshake,
    // and a connection whose handshake fails never reaches connect().
    server.prependListener('connection', (socket: Socket) => this.#tls.accepted(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.once('listening', () => {
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
   * Stops accepting connections, tells idle clients 421 at once and lets an exchange in
   * progress (a message, a command awaiting its reply) finish and get its reply, then 421, up
   * to `graceMs`.
   */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(resolve));
    for (const driver of this.#drivers.values()) {
      if (driver.stalled) driver.shutdown(SHUTDOWN_REPLY);
      else driver.shutdownAfterExchange(SHUTDOWN_REPLY);
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

  /**
   * Runs one smtp-server hook for a connection. Whatever mailsim's code throws in it closes
   * that connection with 421 4.3.0 (the driver's containment); nothing reaches smtp-server's
   * stack, where it would end the process or answer 451 and carry on.
   */
  #hook(id: string, where: string, callback: Hooked, run: (driver: ConnectionDriver) => void): void {
    const driver = this.#drivers.get(id);
    if (!driver) {
      this.options.log.error(`${where} for a connection mailsim does not track`, { session: id });
      return callback(Object.assign(new Error(`${INTERNAL.enhanced} ${INTERNAL.text}`), { responseCode: INTERNAL.code }));
    }
    driver.contain(where, () => run(driver));
  }

  #track(connection: SMTPConnection, socket: Socket): void {
    const { options } = this;
    const log = options.log.child({ session: connection.id });
    try {
      this.#tls.connected(socket);
      const scenario: Scenario | undefined = options.scenarios(this.#scenario);
      if (!scenario) {
        log.warn(`scenario "${this.#scenario}" is not available; refusing the connection`);
        socket.destroy();
        return;
      }
      const driver = new ConnectionDriver(connection, socket, {
        faults: options.faults,
        scenarios: options.scenarios,
        scenario,
        hostname: options.hostname,
        maxMessageSize: options.maxMessageSize,
        maxRecipients: options.maxRecipients ?? DEFAULT_MAX_RECIPIENTS,
        tls: this.#tls,
        transcripts: options.transcripts ?? DEFAULT_TRANSCRIPT_BUDGET,
        clock: options.clock,
        messages: options.messages,
        dataMemory: this.#dataMemory,
        onFault: options.onFault,
        credentials: options.credentials,
        authChecks: options.authChecks,
        reports: options.reports,
        log,
      });
      this.#drivers.set(connection.id, driver);
      // smtp-server strips the raw socket's listeners at STARTTLS, so the close comes through its
      // onClose hook and the idle timeout is watched on whichever socket carries the session.
      socket.on('timeout', () => driver.state.timedOut());
      driver.contain('opening the session', () => options.sessions.opened(driver.state));
    } catch (error) {
      log.error(`setting up the connection failed: ${error instanceof Error ? error.message : String(error)}`, errorFields(error));
      this.#drivers.delete(connection.id);
      socket.destroy();
    }
  }

  #serverError(error: Error & { code?: string; meta?: { stage?: string; remoteAddress?: string; message?: string } }): void {
    try {
      if (error.meta?.stage === 'connect') this.#tls.handshakeFailed(error.meta.remoteAddress, error.meta.message ?? error.message);
      // Resets and failed handshakes are the client's doing and are in its session already.
      const clientCaused = error.meta?.stage === 'connect' || CLIENT_CAUSED.test(error.code ?? '');
      this.options.log[clientCaused ? 'debug' : 'error'](`SMTP listener: ${error.message}`, errorFields(error));
    } catch {
      // An error report must never become an error itself.
    }
  }

  #closed(id: string): void {
    const driver = this.#drivers.get(id);
    if (!driver) return;
    this.#drivers.delete(id);
    try {
      driver.closed();
    } catch (error) {
      this.options.log.child({ session: id }).error('closing the session failed', errorFields(error));
    }
    try {
      driver.state.note(driver.state.facts.quit ? 'connection closed' : 'connection closed without QUIT');
      const record = driver.state.end();
      this.options.log.child({ session: id }).debug(`session closed: ${record.outcome}`, { outcome: record.outcome, detail: record.outcomeDetail });
      this.options.sessions.closed(record);
    } catch (error) {
      this.options.log.child({ session: id }).error('recording the closed session failed', errorFields(error));
    }
  }
}
