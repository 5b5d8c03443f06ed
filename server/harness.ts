import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Config, type ConfigInput, configSchema } from './config.js';
import { type Clock, type Endpoint, systemClock } from './contracts.js';
import { EventBus } from './events/bus.js';
import { createApp } from './http/app.js';
import { Mailbox } from './mail/mailbox.js';
import { SmtpListener } from './smtp/listener.js';
import { VERSION } from './version.js';

export interface HarnessLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface RunningAddresses {
  smtp: Endpoint[];
  http: Endpoint;
}

const SWEEP_INTERVAL_MS = 60_000;

/** The composition root: builds every part, wires them together, starts and stops them. */
export class Harness {
  readonly config: Config;
  readonly bus: EventBus;
  readonly mailbox: Mailbox;
  readonly #listeners: SmtpListener[];
  readonly #http: Server;
  #ready = false;
  #sweeper: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;

  constructor(
    input: ConfigInput,
    private readonly log: HarnessLog,
    private readonly clock: Clock = systemClock,
  ) {
    this.config = configSchema.parse(input);
    this.bus = new EventBus((error, event) => log.warn(`listener of ${event} failed: ${String(error)}`));
    const { maxMessages, maxSessions, maxAge } = this.config;
    this.mailbox = new Mailbox({
      dbPath: this.config.db,
      bus: this.bus,
      clock,
      limits: { maxMessages, maxSessions, maxAgeMs: maxAge },
      report: (error) => log.warn(`store: ${error instanceof Error ? error.message : String(error)}`),
    });
    this.#listeners = this.config.smtp.map(
      ({ host, port }) =>
        new SmtpListener({
          host,
          port,
          hostname: this.config.hostname,
          maxMessageSize: this.config.maxMessageSize,
          idleTimeoutMs: this.config.idleTimeout,
          messages: this.mailbox,
          sessions: this.mailbox,
          clock,
          warn: (message) => log.warn(message),
        }),
    );
    const app = createApp({
      mailbox: this.mailbox,
      version: VERSION,
      ready: () => this.#ready && this.mailbox.healthy,
      reset: () => this.reset(),
      report: (error) => log.warn(`HTTP: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    });
    this.#http = createServer(app);
  }

  async start(): Promise<RunningAddresses> {
    await this.mailbox.open();
    const smtp = await Promise.all(this.#listeners.map((listener) => listener.listen()));
    const http = await listen(this.#http, this.config.http.host, this.config.http.port);
    const sweep = () => this.mailbox.sweep().catch((error: Error) => this.log.warn(`retention: ${error.message}`));
    await sweep();
    this.#sweeper = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
    this.#ready = true;
    return { smtp, http };
  }

  reset(): Promise<void> {
    return this.mailbox.reset();
  }

  /** Idempotent: SIGINT twice, or stop() from a test after a signal, closes once. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#ready = false;
    clearInterval(this.#sweeper);
    await Promise.all(this.#listeners.map((listener) => listener.close()));
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
    await this.mailbox.close();
  }
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
