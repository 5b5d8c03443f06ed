/** mailsim's HTTP API as a MailsimClient: the same for an in-process and a remote mailsim. */
import type { ScenarioInput } from '../faults/schema.js';
import type { ClockInfo, Message, MessagesSummary, MessageSummary, Session, SessionsList, SessionSummary } from '../protocol.js';
import { parseDuration } from '../util/duration.js';
import type { FaultSpec, MailsimClient, SessionFilter, WaitManyOptions, WaitOptions } from './client-types.js';
import { MailsimError, MailsimTimeoutError } from './errors.js';
import { type MessageFilter, toQuery } from './message-filter.js';
import { describeMessage, describeSession, section } from './wait-report.js';

/** The longest single wait request; longer waits are several in a row (proxies time out idle requests). */
const WAIT_SLICE_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;

export class HttpMailsim implements MailsimClient {
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
