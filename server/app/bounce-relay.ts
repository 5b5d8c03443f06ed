import nodemailer from 'nodemailer';
import type { Log } from '../ports/log.js';

export interface RelayRecord {
  /** The stored DSN's ID. */
  id: string;
  attempt: number;
  at: number;
  ok: boolean;
  /** The relay's final reply ("250 2.0.0 Ok: queued as …"), or the error. */
  response: string;
}

export interface RelayOptions {
  /** smtp://host:port or smtps://host:port. */
  url: string;
  log: Log;
  attempts?: number;
  backoffMs?: number;
  /** Records kept for GET /api/v1/bounce-relay; the oldest go first. */
  historySize?: number;
}

/**
 * --bounce-relay: each DSN is also delivered over SMTP to the application's inbound endpoint,
 * the way an MTA delivers to a mail gateway: MAIL FROM:<> (RFC 5321 §4.5.5), RCPT TO the
 * original's envelope sender, the DSN as it is stored. One delivery at a time, in order; a
 * failure is retried with doubling waits, then given up with a warning. nodemailer is the SMTP
 * client (already mailsim's dependency for DSN MIME building).
 */
export class BounceRelay {
  readonly #transport;
  readonly #history: RelayRecord[] = [];
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(private readonly options: RelayOptions) {
    const url = new URL(options.url);
    const secure = url.protocol === 'smtps:';
    this.#transport = nodemailer.createTransport({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port) || (secure ? 465 : 25),
      secure,
      // A local test endpoint: no certificate checks, no opportunistic STARTTLS surprises.
      tls: { rejectUnauthorized: false },
      ignoreTLS: !secure,
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 10_000,
    });
  }

  deliver(id: string, raw: Buffer, to: string): void {
    this.#chain = this.#chain.then(() => this.#attempt(id, raw, to, 1));
  }

  history(): RelayRecord[] {
    return [...this.#history];
  }

  /** Resolves once every queued delivery has succeeded or been given up. */
  idle(): Promise<void> {
    return this.#chain;
  }

  close(): void {
    this.#closed = true;
    this.#transport.close();
  }

  async #attempt(id: string, raw: Buffer, to: string, attempt: number): Promise<void> {
    const { attempts = 5, backoffMs = 500 } = this.options;
    if (this.#closed) return;
    try {
      const info = await this.#transport.sendMail({ envelope: { from: '', to: [to] }, raw });
      this.#record({ id, attempt, at: Date.now(), ok: true, response: info.response });
      this.options.log.info(`bounce relay: delivered bounce ${id} to <${to}>: ${info.response}`);
    } catch (error) {
      const response = error instanceof Error ? error.message : String(error);
      this.#record({ id, attempt, at: Date.now(), ok: false, response });
      if (attempt >= attempts || this.#closed) {
        this.options.log.warn(`bounce relay: gave up on bounce ${id} to <${to}> after ${attempt} attempts: ${response}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)).unref());
      return this.#attempt(id, raw, to, attempt + 1);
    }
  }

  #record(record: RelayRecord): void {
    this.#history.push(record);
    if (this.#history.length > (this.options.historySize ?? 1_000)) this.#history.shift();
  }
}
