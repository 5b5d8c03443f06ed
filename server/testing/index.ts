/**
 * `mailsim/testing`: mailsim for test suites (vitest, jest, node:test, Playwright; plain
 * promises, no framework globals).
 *
 *   const sim = await startMailsim({ scenario: 'gmail' });   // in-process, free ports, in memory
 *   const sim = await connectMailsim('http://127.0.0.1:8025'); // one started elsewhere (CI, docker)
 *
 * Both talk to mailsim over its HTTP API, so they behave the same; waits happen on the server
 * (GET /api/v1/wait), never by polling.
 */
import type { z } from 'zod';
import type { ConfigInput } from '../config/config.js';
import type { oneShotSchema } from '../faults/one-shot.js';
import type { ScenarioInput } from '../faults/schema.js';
import { logTo, type Log } from '../ports/log.js';
import type {
  ClockInfo,
  ListenerInfo,
  Message,
  MessagesSummary,
  MessageSummary,
  ScenariosList,
  Session,
  SessionOutcome,
  SessionsList,
  SessionSummary,
  TransactionOutcome,
} from '../protocol.js';
import { type MessageFilter, toQuery } from './message-filter.js';
import { describeMessage, describeSession, section } from './wait-report.js';
import { parseDuration } from '../util/duration.js';

export type { MessageFilter, MessageFilterFields } from './message-filter.js';
export { toQuery } from './message-filter.js';
export type { Message, MessageSummary, Session, SessionOutcome, SessionSummary, SessionTransaction, TransactionOutcome } from '../protocol.js';

export interface SessionFilter {
  /** One outcome or several (any of them). */
  outcome?: SessionOutcome | readonly SessionOutcome[];
  /** Client IP address. */
  client?: string;
  /** Authenticated SMTP user. */
  user?: string;
  /** Only sessions that started at or after this moment. */
  since?: Date | string | number;
  /**
   * Only sessions with a transaction that meets all of these: `{ index: 3, code: 421 }` is "the
   * app's third message on the connection got 421"; `code` also matches a refused recipient.
   */
  transaction?: { outcome?: TransactionOutcome | readonly TransactionOutcome[]; code?: number; index?: number };
}

export interface WaitOptions {
  /** Milliseconds, or a duration such as "30s"; 10 s by default. */
  timeout?: number | string;
}

export interface WaitManyOptions extends WaitOptions {
  /** How many must match; 1 by default. */
  count?: number;
}

/** The body of POST /api/v1/faults: `{ when, count, action }`. */
export type FaultSpec = z.input<typeof oneShotSchema>;

export interface MailsimClient {
  /** Base URL of the HTTP API and web UI. */
  readonly url: string;
  /** Where to point the application's SMTP client (the first listener). */
  readonly smtp: { host: string; port: number };
  /** Messages matching the filter, newest first (all messages without one). */
  messages(filter?: MessageFilter, options?: { limit?: number }): Promise<MessageSummary[]>;
  /** One message in full (text, HTML, attachments); "latest" by default. */
  message(id?: string): Promise<Message>;
  /** Resolves with the newest matching message once one exists; rejects with a report on timeout. */
  waitForMessage(filter?: MessageFilter, options?: WaitOptions): Promise<MessageSummary>;
  /** Resolves once `count` messages match, with the matches (newest first). */
  waitForMessages(filter?: MessageFilter, options?: WaitManyOptions): Promise<MessageSummary[]>;
  /** SMTP sessions, newest first. Open ones are included unless an outcome is asked for. */
  sessions(filter?: SessionFilter, options?: { limit?: number }): Promise<SessionSummary[]>;
  /** One session with its transcript; "latest" by default. */
  session(id?: string): Promise<Session>;
  /** Resolves once `count` closed sessions match, with the matches (newest first). */
  waitForSessions(filter?: SessionFilter, options?: WaitManyOptions): Promise<SessionSummary[]>;
  /** Switches every listener (or one, "host:port") to a built-in or uploaded scenario. */
  useScenario(scenario: string | ScenarioInput, options?: { listener?: string }): Promise<void>;
  /** Arms a one-shot fault (POST /api/v1/faults); returns its ID. */
  fault(spec: FaultSpec): Promise<string>;
  /** Moves the scenario clock (quotas, greylisting): "24h", "90s", or milliseconds. */
  advanceClock(by: string | number): Promise<ClockInfo>;
  /** Deletes messages and sessions, back to the start-up scenarios, counters, faults and clock. */
  reset(): Promise<void>;
  /** Stops an in-process mailsim; for connectMailsim() it only forgets the connection. */
  close(): Promise<void>;
}

export interface StartOptions extends Omit<ConfigInput, 'scenario'> {
  /** A scenario name (built-in or from `scenarios`), or a scenario object to upload. */
  scenario?: string | ScenarioInput;
  /** mailsim's warnings; written to stderr by default. */
  onWarning?: (message: string) => void;
}

export interface ConnectOptions {
  /** For a mailsim started with --ui-auth. */
  auth?: { user: string; password: string };
}

/** An answer other than the one asked for: `status` and mailsim's `{"Error": ...}` text. */
export class MailsimError extends Error {
  /** mailsim's error code from the answer (`BAD_REQUEST`, `NOT_FOUND`...; server/errors/catalogue.ts), if it gave one. */
  readonly code: string | undefined;

  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'MailsimError';
    const code = (body as { Code?: unknown } | undefined)?.Code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** A wait ran out; `matched` is what did match, `recent` the newest arrivals of any kind. */
export class MailsimTimeoutError<T = MessageSummary | SessionSummary> extends MailsimError {
  constructor(
    message: string,
    readonly matched: T[],
    readonly recent: T[],
    body: unknown,
  ) {
    super(408, message, body);
    this.name = 'MailsimTimeoutError';
  }
}

/** Starts mailsim in this process on free loopback ports, with an in-memory store. */
export async function startMailsim(options: StartOptions = {}): Promise<MailsimClient> {
  const { scenario, onWarning, ...config } = options;
  // On demand: connectMailsim() and `mailsim wait` only talk HTTP and need none of the server.
  const { Harness } = await import('../app/harness.js');
  const harness = new Harness(
    {
      smtp: [{ host: '127.0.0.1', port: 0 }],
      http: { host: '127.0.0.1', port: 0 },
      db: ':memory:',
      quiet: true,
      ...config,
      ...(typeof scenario === 'string' ? { scenario } : {}),
    },
    warningsTo(onWarning ?? ((message) => process.stderr.write(`mailsim: ${message}\n`))),
  );
  let running;
  try {
    running = await harness.start();
  } catch (error) {
    await harness.stop().catch(() => {});
    throw error;
  }
  const first = running.smtp[0]!;
  const client = new HttpMailsim(
    `http://${hostForUrl(running.http.address)}:${running.http.port}`,
    { host: first.address, port: first.port },
    config.uiAuth,
    () => harness.stop(),
  );
  if (scenario !== undefined && typeof scenario !== 'string') {
    await client.useScenario(scenario).catch(async (error: unknown) => {
      await harness.stop();
      throw error;
    });
  }
  return client;
}

/** The same API for a mailsim started elsewhere: `npx mailsim` in CI, a docker-compose service. */
export async function connectMailsim(url: string, options: ConnectOptions = {}): Promise<MailsimClient> {
  const base = url.replace(/\/+$/, '');
  const probe = new HttpMailsim(base, { host: '', port: 0 }, options.auth, async () => {});
  const { listeners } = await probe.json<ScenariosList>('GET', '/api/v1/scenarios');
  const first: ListenerInfo | undefined = listeners[0];
  if (!first) throw new MailsimError(500, `${base} reports no SMTP listener`);
  // A listener on all interfaces (0.0.0.0, ::) is reached at the API's host name.
  const host = first.Address === '0.0.0.0' || first.Address === '::' || first.Address === '' ? new URL(base).hostname.replace(/^\[|\]$/g, '') : first.Address;
  return new HttpMailsim(base, { host, port: first.Port }, options.auth, async () => {});
}

/** The longest single wait request; longer waits are several in a row (proxies time out idle requests). */
const WAIT_SLICE_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;

class HttpMailsim implements MailsimClient {
  readonly #authorization: string | undefined;
  #closed = false;

  constructor(
    readonly url: string,
    readonly smtp: { host: string; port: number },
    auth: { user: string; password: string } | undefined,
    private readonly stop: () => Promise<void>,
  ) {
    this.#authorization = auth ? `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` : undefined;
  }

  async messages(filter?: MessageFilter, options: { limit?: number } = {}): Promise<MessageSummary[]> {
    const query = toQuery(filter);
    const limit = options.limit ?? 1_000;
    const body = query
      ? await this.json<MessagesSummary>('GET', `/api/v1/search?${params({ query, limit })}`)
      : await this.json<MessagesSummary>('GET', `/api/v1/messages?${params({ limit })}`);
    return body.messages;
  }

  message(id = 'latest'): Promise<Message> {
    return this.json<Message>('GET', `/api/v1/message/${encodeURIComponent(id)}`);
  }

  async waitForMessage(filter?: MessageFilter, options: WaitOptions = {}): Promise<MessageSummary> {
    const [newest] = await this.waitForMessages(filter, { ...options, count: 1 });
    return newest!;
  }

  async waitForMessages(filter?: MessageFilter, options: WaitManyOptions = {}): Promise<MessageSummary[]> {
    const query = toQuery(filter);
    const count = options.count ?? 1;
    const body = await this.#wait<MessagesSummary & { recent?: MessageSummary[] }>('/api/v1/wait', { query: query || undefined, count }, options.timeout, (timedOut, ms) => {
      const lines = [
        `timed out after ${ms} ms waiting for ${count} message${count === 1 ? '' : 's'}${query ? ` matching ${JSON.stringify(query)}` : ''}: ${timedOut.messages_count} matched`,
        ...section('matched', timedOut.messages, describeMessage),
        ...(query ? section(`newest messages (${timedOut.total} in the mailbox)`, timedOut.recent ?? [], describeMessage) : []),
      ];
      return new MailsimTimeoutError(lines.join('\n'), timedOut.messages, timedOut.recent ?? [], timedOut);
    });
    return body.messages;
  }

  async sessions(filter: SessionFilter = {}, options: { limit?: number } = {}): Promise<SessionSummary[]> {
    const body = await this.json<SessionsList>('GET', `/api/v1/sessions?${params({ ...sessionParams(filter), limit: options.limit ?? 1_000 })}`);
    return body.sessions;
  }

  session(id = 'latest'): Promise<Session> {
    return this.json<Session>('GET', `/api/v1/session/${encodeURIComponent(id)}`);
  }

  async waitForSessions(filter: SessionFilter = {}, options: WaitManyOptions = {}): Promise<SessionSummary[]> {
    const count = options.count ?? 1;
    const body = await this.#wait<SessionsList & { recent?: SessionSummary[] }>('/api/v1/sessions/wait', { ...sessionParams(filter), count }, options.timeout, (timedOut, ms) => {
      const lines = [
        `timed out after ${ms} ms waiting for ${count} session${count === 1 ? '' : 's'} (${JSON.stringify(sessionParams(filter))}): ${timedOut.total} matched`,
        ...section('matched', timedOut.sessions, describeSession),
        ...section('newest sessions', timedOut.recent ?? [], describeSession),
      ];
      return new MailsimTimeoutError(lines.join('\n'), timedOut.sessions, timedOut.recent ?? [], timedOut);
    });
    return body.sessions;
  }

  async useScenario(scenario: string | ScenarioInput, options: { listener?: string } = {}): Promise<void> {
    const body = typeof scenario === 'string' ? { Name: scenario } : { Scenario: scenario };
    await this.json('PUT', '/api/v1/scenario', { ...body, ...(options.listener ? { Listener: options.listener } : {}) });
  }

  async fault(spec: FaultSpec): Promise<string> {
    return (await this.json<{ ID: string }>('POST', '/api/v1/faults', spec)).ID;
  }

  advanceClock(by: string | number): Promise<ClockInfo> {
    return this.json<ClockInfo>('POST', '/api/v1/clock', { advance: String(by) });
  }

  async reset(): Promise<void> {
    await this.json('POST', '/api/v1/reset');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.stop();
  }

  /** Long waits go as several requests of at most a minute each, until the deadline. */
  async #wait<T>(
    path: string,
    query: Record<string, string | number | undefined>,
    timeout: number | string | undefined,
    timedOut: (body: T, ms: number) => MailsimTimeoutError,
  ): Promise<T> {
    const total = timeoutMs(timeout);
    const deadline = Date.now() + total;
    for (;;) {
      const slice = Math.max(1, Math.min(deadline - Date.now(), WAIT_SLICE_MS));
      const response = await this.request('GET', `${path}?${params({ ...query, timeout: `${slice}ms` })}`);
      if (response.status === 408 && Date.now() < deadline) continue;
      if (response.status === 408) throw timedOut(response.body as T, total);
      return response.body as T;
    }
  }

  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.request(method, path, body)).body as T;
  }

  /** Answers 2xx and 408 (a wait that ran out); anything else throws MailsimError. */
  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.#authorization) headers.Authorization = this.#authorization;
    const response = await fetch(`${this.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    if (response.ok || response.status === 408) return { status: response.status, body: parsed };
    const message = (parsed as { Error?: unknown } | undefined)?.Error;
    throw new MailsimError(response.status, `${method} ${path}: ${response.status} ${typeof message === 'string' ? message : text}`, parsed);
  }
}

function sessionParams(filter: SessionFilter): Record<string, string | undefined> {
  const since = filter.since === undefined ? undefined : filter.since instanceof Date ? filter.since.toISOString() : String(filter.since);
  const outcome = filter.outcome === undefined ? undefined : [filter.outcome].flat().join(',');
  const tx = filter.transaction;
  const txOutcome = tx?.outcome === undefined ? undefined : [tx.outcome].flat().join(',');
  return { outcome, client: filter.client, user: filter.user, since, txOutcome, txCode: tx?.code?.toString(), txIndex: tx?.index?.toString() };
}

function params(values: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') search.set(key, String(value));
  return search.toString();
}

function timeoutMs(timeout: number | string | undefined): number {
  if (timeout === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof timeout === 'number') return timeout;
  const ms = parseDuration(timeout);
  if (ms === undefined) throw new TypeError(`mailsim: timeout ${JSON.stringify(timeout)} is not a duration such as 500ms, 10s or 2m`);
  return ms;
}

function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** Warnings and errors of an embedded mailsim, as one line each; nothing below warn. */
function warningsTo(onWarning: (message: string) => void): Log {
  return logTo((level, message, fields) => {
    if (level !== 'warn' && level !== 'error' && level !== 'fatal') return;
    const err = (fields.err as { message?: string } | undefined)?.message;
    onWarning(err && !message.includes(err) ? `${message}: ${err}` : message);
  });
}
