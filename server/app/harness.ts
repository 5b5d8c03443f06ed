import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Config, type ConfigInput, configSchema } from '../config/config.js';
import { type Clock, type Endpoint, systemClock } from '../ports/contracts.js';
import { ControlPlane } from './control-plane.js';
import { EventBus } from '../events/bus.js';
import { FaultController } from '../faults/controller.js';
import { ScenarioClock } from '../faults/scenario-clock.js';
import { createApp } from '../http/app.js';
import { authorizeRequest, isLoopbackAddress, type SecurityOptions } from '../http/security.js';
import { atWebroot } from '../http/webroot.js';
import { type Credentials, loadCredentials } from './credentials.js';
import { Mailbox } from '../mail/mailbox.js';
import type { ScenarioInfo } from '../protocol.js';
import { ScenarioRegistry } from '../scenarios/registry.js';
import { ScenarioWatcher } from '../scenarios/watcher.js';
import { MemoryBudget } from '../smtp/memory-budget.js';
import { SmtpListener } from '../smtp/listener.js';
import { TranscriptBudget } from '../smtp/transcript.js';
import { Certificates } from '../tls/certificates.js';
import { TlsContexts } from '../tls/contexts.js';
import { EventHub } from '../ws/hub.js';
import { Integrations, taggingOptions } from './integrations.js';
import { BounceScheduler } from './bounce-scheduler.js';
import { BounceSender } from './bounce-sender.js';
import { bounceControl } from './bounce-control.js';
import { BounceRelay } from './bounce-relay.js';
import { ProviderEvents } from './bounce-provider-events.js';
import { ApiSubmitter } from './api-submit.js';
import { relayEverything, relayFromConfig, relayMatching } from './relay-setup.js';
import { checkMessageLinks } from '../checks/link-check.js';
import { HtmlCheckPool } from '../checks/html-check-pool.js';
import { Htpasswd } from '../util/htpasswd.js';
import { packageRoot, VERSION } from './version.js';
import { Pop3Service } from './pop3-service.js';
import { InboundSimulator } from '../inbound/simulator.js';
import { errorFields, type Log } from '../ports/log.js';
import { AuthChecker } from '../auth-checks/auth-checker.js';
import { loadDnsFile } from './dns-file.js';

export interface RunningAddresses {
  smtp: Endpoint[];
  http: Endpoint;
  /** The --pop3 listener's real address (port 0 resolved); absent without --pop3. */
  pop3?: Endpoint;
}

const SWEEP_INTERVAL_MS = 60_000;

/** The composition root: builds every part, wires them together, starts and stops them. */
export class Harness {
  readonly config: Config;
  readonly bus: EventBus;
  readonly mailbox: Mailbox;
  readonly scenarios: ScenarioRegistry;
  readonly control: ControlPlane;
  /** Fires the bounces (DSNs) the scenarios planned when the scenario clock reaches them. */
  readonly bounces: BounceScheduler;
  /** --bounce-relay: each DSN also delivered over SMTP. */
  readonly bounceRelay: BounceRelay | undefined;
  /** --provider-events: made at start, once the API's address (the SNS certificate URL) is known. */
  providerEvents: ProviderEvents | undefined;
  readonly #scenarioClock: ScenarioClock;
  readonly #listeners: SmtpListener[];
  readonly #http: Server;
  readonly #hub: EventHub;
  /** Server-side waits, webhooks and metrics: what CI jobs use besides the API. */
  readonly integrations: Integrations;
  readonly #credentials: Credentials;
  /** --pop3: the maildrops of the store over POP3 (off without it). */
  readonly pop3: Pop3Service;
  /** DKIM/SPF/DMARC checks: for rules at the end of DATA, and GET /api/v1/message/{ID}/auth-check. */
  readonly authChecks: AuthChecker;
  readonly #htmlChecks = new HtmlCheckPool();
  #watcher: ScenarioWatcher | undefined;
  #ready = false;
  #apiBase = '';
  #providerEventsStarting: Promise<ProviderEvents> | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;

  constructor(
    input: ConfigInput,
    private readonly log: Log,
    private readonly clock: Clock = systemClock,
  ) {
    this.config = configSchema.parse(input);
    // Before anything opens: a bad auth file stops the start with its line named.
    this.#credentials = loadCredentials(this.config);
    // POST /api/v1/send logs in with an account only this process knows when AUTH is required.
    const sendLogin = this.#credentials.smtp && { user: 'mailsim-send-api', pass: randomBytes(24).toString('base64url') };
    if (sendLogin && this.#credentials.smtp) this.#credentials.smtp = Htpasswd.merge([this.#credentials.smtp, Htpasswd.plain(sendLogin.user, sendLogin.pass)]);
    this.bus = new EventBus((error, event) => log.error(`listener of ${event} failed`, errorFields(error)));
    const { maxMessages, maxSessions, maxAge } = this.config;
    this.mailbox = new Mailbox({
      dbPath: this.config.db,
      bus: this.bus,
      clock,
      limits: { maxMessages, maxSessions, maxAgeMs: maxAge },
      report: (error) => log.error(`store: ${error instanceof Error ? error.message : String(error)}`, errorFields(error)),
      tagging: taggingOptions(this.config),
      log,
    });
    this.pop3 = new Pop3Service(this.config, this.mailbox.maildrops, this.#credentials.pop3, log, VERSION);
    this.scenarios = new ScenarioRegistry({ builtin: builtinScenarioDir(), user: this.config.scenarios }, this.config.seed);
    const scenarioClock = new ScenarioClock(clock);
    const { hostname, maxMessageSize, maxRecipients } = this.config;
    // Shared by every listener: the bounds are for the whole process.
    const transcripts = new TranscriptBudget(this.config.maxTranscriptStorage, maxSessions);
    const dataMemory = new MemoryBudget(this.config.maxDataMemory);
    const faults = new FaultController({ clock: scenarioClock, defaults: { hostname, maxMessageSize } });
    this.authChecks = new AuthChecker({
      dns: loadDnsFile(this.config.dnsFile),
      network: this.config.dnsLookups,
      hostname,
      scenario: (name) => this.scenarios.get(name),
      activeScenario: () => this.#listeners[0]?.scenario ?? this.config.scenario,
      message: (id) => this.mailbox.get(id),
      session: (id) => this.mailbox.getSession(id),
    });
    this.#scenarioClock = scenarioClock;
    const bounceRelay = this.config.bounceRelay ? new BounceRelay({ url: this.config.bounceRelay, log: log.child({ part: 'bounce-relay' }) }) : undefined;
    this.bounceRelay = bounceRelay;
    const sent = bounceRelay && ((dsn: { raw: Buffer; envelope: { to: [string] } }, id: string) => bounceRelay.deliver(id, dsn.raw, dsn.envelope.to[0]));
    const sender = new BounceSender({ mailbox: this.mailbox, sink: this.mailbox, tags: this.mailbox, bus: this.bus, clock: scenarioClock, ...(sent && { sent }) });
    this.bounces = new BounceScheduler({ sender, clock: scenarioClock, bus: this.bus, log: log.child({ part: 'bounces' }) });
    this.#listeners = this.config.smtp.map(
      ({ host, port, scenario, mode }) =>
        new SmtpListener({
          host,
          port,
          mode,
          hostname,
          maxMessageSize,
          maxRecipients,
          transcripts,
          dataMemory,
          idleTimeoutMs: this.config.idleTimeout,
          scenario: scenario ?? this.config.scenario,
          scenarios: (name) => this.scenarios.get(name),
          faults,
          messages: this.mailbox,
          sessions: this.mailbox,
          clock,
          onFault: (event) => this.bus.publish('fault.fired', event),
          log: log.child({ listener: `${host}:${port}` }),
          credentials: this.#credentials.smtp,
          authChecks: this.authChecks,
          reports: this.bounces,
        }),
    );
    this.control = new ControlPlane(this.scenarios, this.#listeners, faults, scenarioClock, this.bus);
    // One set of browser safety checks for the API and the WebSocket, so neither is the weak door.
    const security: SecurityOptions = {
      boundHost: () => (this.#http.address() as AddressInfo | null)?.address ?? this.config.http.host,
      credentials: this.#credentials.ui,
      webroot: this.config.webroot.slice(0, -1),
      allowedHosts: this.config.allowedHosts,
      cors: { allowedHosts: this.config.apiCors },
    };
    this.integrations = new Integrations({
      config: this.config,
      bus: this.bus,
      mailbox: this.mailbox,
      version: VERSION,
      activeSessions: () => this.#listeners.reduce((sum, listener) => sum + listener.activeSessions, 0),
      warn: (message) => log.warn(message),
    });
    const first = this.#listeners[0];
    const submitter =
      first &&
      new ApiSubmitter({ address: () => first.address, mode: first.mode, hostname, ...(sendLogin && { login: sendLogin }) }, this.bus);
    const warn = (message: string) => log.warn(message);
    const relay = relayFromConfig(this.config, warn);
    const matching = relayMatching(this.config, warn);
    if (relay && (this.config.smtpRelayAll || matching)) relayEverything(relay, this.bus, this.mailbox, log, matching);
    const app = createApp({
      send: submitter,
      relay,
      links: {
        check: (html, text, follow) => checkMessageLinks(html, text, { follow, allowInternal: this.config.allowInternalHttpRequests }),
      },
      html: this.#htmlChecks,
      maxMessageSize,
      integrations: { bus: this.bus, waits: this.integrations.waits, metrics: () => this.integrations.scrape() },
      security,
      mailbox: this.mailbox,
      control: this.control,
      authChecks: this.authChecks,
      bounces: bounceControl({
        mailbox: this.mailbox,
        sender,
        scheduler: this.bounces,
        hostname,
        providerEvents: () => this.providerEvents?.history() ?? [],
        providerKeys: () => this.providerEvents?.keyInfo() ?? null,
        snsCertificate: () => this.providerEvents?.keys.sns.certificatePem ?? null,
        relayHistory: () => this.bounceRelay?.history() ?? [],
      }),
      version: VERSION,
      ready: () => this.#ready && this.mailbox.healthy,
      reset: () => this.reset(),
      inbound: { simulator: new InboundSimulator({ mailbox: this.mailbox, clock, hostname }), pop3: () => this.pop3.info() },
      report: (error) => log.error(`HTTP: ${error instanceof Error ? error.message : String(error)}`, errorFields(error)),
    });
    this.#http = createServer(atWebroot(app, this.config.webroot));
    // Live events at /api/events share the HTTP port, so one --http address serves the whole UI.
    this.#hub = new EventHub({
      bus: this.bus,
      counts: () => {
        const { total, unread } = this.mailbox.messages.countMatching();
        return { Total: total, Unread: unread };
      },
      version: VERSION,
      authorize: (request) => authorizeRequest({ url: request.url, method: request.method, headers: request.headers }, security),
      path: `${this.config.webroot}api/events`,
      report: (error) => log.warn(`WebSocket: ${error instanceof Error ? error.message : String(error)}`, errorFields(error)),
    });
    this.#hub.attach(this.#http);
  }

  async start(): Promise<RunningAddresses> {
    // The store's writer thread takes ~300 ms to boot and load its modules; scenarios and
    // certificates are read on this thread meanwhile. Both settle before a failure is thrown, so
    // stop() finds the store open and closes its thread.
    const [opened, prepared] = await Promise.allSettled([this.mailbox.open(), this.#prepare()]);
    if (opened.status === 'rejected') throw opened.reason;
    if (prepared.status === 'rejected') throw prepared.reason;
    const tls = prepared.value;
    for (const listener of this.#listeners) listener.useTls(tls);
    const smtp = await Promise.all(this.#listeners.map((listener) => listener.listen()));
    const pop3 = await this.pop3.start(tls);
    const http = await listen(this.#http, this.config.http.host, this.config.http.port);
    const host = http.address.includes(':') ? `[${http.address}]` : http.address;
    this.#apiBase = `http://${host}:${http.port}${this.config.webroot.slice(0, -1)}`;
    if (this.config.providerEvents.length || this.scenarios.names().some((name) => this.#declaresProviderEvents(name))) await this.#startProviderEvents();
    if (!isLoopbackAddress(http.address) && !this.#credentials.ui) {
      this.log.warn(
        `the web UI and API on ${http.address}:${http.port} are reachable from other machines without a password: anyone who can reach it reads every captured mail; set --ui-auth USER:PASSWORD or --ui-auth-file FILE, or listen on 127.0.0.1`,
      );
    }
    const sweep = () => this.mailbox.sweep().catch((error: Error) => this.log.warn(`retention: ${error.message}`));
    await sweep();
    this.#sweeper = setInterval(() => void sweep(), SWEEP_INTERVAL_MS).unref();
    const dirs = [builtinScenarioDir(), this.config.scenarios].filter((dir): dir is string => dir !== undefined);
    this.#watcher = new ScenarioWatcher(this.scenarios, dirs, (message) => this.log.warn(message));
    this.#ready = true;
    return { smtp, http, ...(pop3 && { pop3 }) };
  }

  /** Test isolation: messages, sessions, fault counters, one-shot faults, chaos and the clock. */
  async reset(): Promise<void> {
    this.control.reset();
    await this.mailbox.reset();
  }

  /**
   * mailsim's CA and certificate (made once, kept in --tls-dir) or the user's own; the fault
   * certificates are made per start from the same CA.
   */
  async #tlsContexts(): Promise<TlsContexts> {
    const { tlsDir, tlsCert, tlsKey, hostname } = this.config;
    const names = [...new Set(['localhost', '127.0.0.1', '::1', hostname])];
    const certificates = await Certificates.open(tlsDir, names);
    const own = tlsCert && tlsKey ? { cert: readFileSync(tlsCert, 'utf8'), key: readFileSync(tlsKey, 'utf8') } : undefined;
    return TlsContexts.create(certificates, own);
  }

  async #prepare(): Promise<TlsContexts> {
    this.scenarios.loadFiles();
    this.scenarios.onChange((info) => this.#scenarioChanged(info));
    this.#checkScenarios();
    return this.#tlsContexts();
  }

  /** Fail fast on a listener whose scenario does not exist; report files that did not load. */
  #checkScenarios(): void {
    for (const info of this.scenarios.list()) if (info.Error) this.#scenarioChanged(info);
    for (const listener of this.#listeners) {
      if (!this.scenarios.has(listener.scenario)) {
        throw new Error(`unknown scenario "${listener.scenario}" (available: ${this.scenarios.names().join(', ')})`);
      }
    }
  }

  #declaresProviderEvents(name: string): boolean {
    return (this.scenarios.get(name)?.providerEvents.length ?? 0) > 0;
  }

  /** Provider event webhooks: for --provider-events, and for every scenario's own providerEvents (made once, when the first is needed). */
  #startProviderEvents(): Promise<ProviderEvents> {
    this.#providerEventsStarting ??= ProviderEvents.create({
      targets: this.config.providerEvents,
      mailgunSigningKey: this.config.mailgunSigningKey,
      apiBase: this.#apiBase,
      bus: this.bus,
      mailbox: this.mailbox,
      clock: this.#scenarioClock,
      warn: (message) => this.log.warn(message),
      scenarioTargets: (name) => this.scenarios.get(name)?.providerEvents ?? [],
    }).then((events) => (this.providerEvents = events));
    return this.#providerEventsStarting;
  }

  #scenarioChanged(info: ScenarioInfo): void {
    // A scenario uploaded or edited after start-up may be the first to declare providerEvents.
    if (this.#ready && !this.#providerEventsStarting && this.#declaresProviderEvents(info.Name)) {
      this.#startProviderEvents().catch((error: unknown) => this.log.error('starting the provider event webhooks failed', errorFields(error)));
    }
    const error = info.Error;
    if (error) {
      const kept = this.scenarios.has(info.Name) ? 'the last valid version stays active' : 'not loaded';
      this.log.warn(`scenario ${error.File}:${error.Line}:${error.Column}${error.Field ? ` ${error.Field}` : ''}: ${error.Message} (${kept})`);
    }
    this.bus.publish('scenario.changed', { Scenario: info, Listeners: this.control.listenerInfo() });
  }

  /** Idempotent: SIGINT twice, or stop() from a test after a signal, closes once. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#ready = false;
    this.integrations.endWaits(); // open waits answer 503 now rather than hold the close
    clearInterval(this.#sweeper);
    this.#watcher?.close();
    // AUTH attempts still waiting for bcrypt are refused now, so their sessions can close.
    await this.#credentials.close();
    await Promise.all([...this.#listeners.map((listener) => listener.close()), this.pop3.close()]);
    await this.#hub.close(); // WebSocket clients first, or the HTTP close waits on them
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
    this.bounces.close(); // pending bounces are not kept (README, "Bounces")
    this.bounceRelay?.close();
    await this.#providerEventsStarting?.catch(() => undefined);
    this.providerEvents?.close();
    this.integrations.close(); // webhooks stop (what is still queued is dropped)
    await this.authChecks.close();
    await this.#htmlChecks.close();
    await this.mailbox.close();
  }
}

function builtinScenarioDir(): string {
  return join(packageRoot(), 'scenarios');
}

function listen(server: Server, host: string, port: number): Promise<Endpoint> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const info = server.address() as AddressInfo;
      resolve({ address: info.address, port: info.port });
    });
  });
}
