import type {
  ApiError,
  ClockInfo,
  CounterInfo,
  ListenerInfo,
  Message,
  MessagesSummary,
  OneShotFaultInfo,
  ScenarioInfo,
  ScenariosList,
  Session,
  SessionsList,
} from '../../../server/protocol.js';
import { withBase } from './base.js';
import { listUrl } from './query.js';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What a failed fetch (no answer at all) means to someone looking at the UI. */
export const UNREACHABLE = 'mailsim is unreachable: the server is stopped, restarting, or the network is down.';

/** No answer from the server (status 0), as opposed to an answer that says no. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof ApiFailure && error.status === 0;
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(withBase(path), init);
  } catch (error) {
    // fetch rejects with a bare TypeError ("Failed to fetch") when nothing answers.
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiFailure(0, UNREACHABLE);
  }
}

async function request<T>(path: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const { json, ...rest } = init ?? {};
  const response = await send(path, {
    ...rest,
    headers: json !== undefined ? { 'Content-Type': 'application/json', ...rest.headers } : rest.headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  const text = await response.text();
  if (!response.ok) {
    let message = text || response.statusText;
    try {
      message = (JSON.parse(text) as ApiError).Error ?? message;
    } catch {
      // not JSON
    }
    throw new ApiFailure(response.status, message);
  }
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') && text ? JSON.parse(text) : text) as T;
}

const id = encodeURIComponent;

/** The first `bytes` of a message's source, and how long the whole is. */
export interface RawHead {
  text: string;
  total: number;
  partial: boolean;
}

/**
 * The head of a source with a Range request (a 21 MB source in a <pre> froze the page for
 * 16 s). A server that ignores Range sends the whole; it is cut here all the same, so the page
 * never lays out more than `bytes`.
 */
async function rawHead(path: string, bytes: number): Promise<RawHead> {
  const response = await send(path, { headers: { Range: `bytes=0-${bytes - 1}` } });
  if (!response.ok) throw new ApiFailure(response.status, (await response.text()) || response.statusText);
  const data = new Uint8Array(await response.arrayBuffer());
  const total = Number(/\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1] ?? data.length);
  const head = data.length > bytes ? data.subarray(0, bytes) : data;
  return { text: new TextDecoder().decode(head), total, partial: head.length < total };
}

/** The REST API as the UI uses it. */
export const api = {
  messages: (query: string, start: number, limit: number, signal?: AbortSignal) =>
    request<MessagesSummary>(listUrl(query, start, limit, timeZone()), { signal }),
  message: (messageId: string) => request<Message>(`/api/v1/message/${id(messageId)}`),
  headers: (messageId: string) => request<Record<string, string[]>>(`/api/v1/message/${id(messageId)}/headers`),
  rawHead: (messageId: string, bytes: number) => rawHead(`/api/v1/message/${id(messageId)}/raw`, bytes),
  rawUrl: (messageId: string, download = false) => withBase(`/api/v1/message/${id(messageId)}/raw${download ? '?dl=1' : ''}`),
  partUrl: (messageId: string, partId: string) => withBase(`/api/v1/message/${id(messageId)}/part/${id(partId)}`),
  deleteMessages: (ids: string[] | 'all') =>
    request<string>('/api/v1/messages', ids === 'all' ? { method: 'DELETE' } : { method: 'DELETE', json: { IDs: ids } }),
  deleteSearch: (query: string) => request<string>(`/api/v1/search?${new URLSearchParams({ query, tz: timeZone() ?? 'UTC' }).toString()}`, { method: 'DELETE' }),
  /** Marks the given messages, every message, or those a search matches (Mailpit's `Search` body field). */
  setRead: (read: boolean, target: string[] | 'all' | { search: string }) =>
    request<string>(
      Array.isArray(target) || target === 'all' ? '/api/v1/messages' : `/api/v1/messages?${new URLSearchParams({ tz: timeZone() ?? 'UTC' }).toString()}`,
      { method: 'PUT', json: target === 'all' ? { Read: read } : Array.isArray(target) ? { Read: read, IDs: target } : { Read: read, Search: target.search } },
    ),
  sessions: (start: number, limit: number, outcomes: string[], search: Record<string, string> = {}, signal?: AbortSignal) => {
    const params = new URLSearchParams({ start: String(start), limit: String(limit), ...search });
    if (outcomes.length) params.set('outcome', outcomes.join(','));
    return request<SessionsList>(`/api/v1/sessions?${params.toString()}`, { signal });
  },
  session: (sessionId: string) => request<Session>(`/api/v1/session/${id(sessionId)}`),
  /** Prometheus text from GET /metrics (counters since start-up, not zeroed by a reset). */
  metrics: () => request<string>('/metrics'),
  info: () => request<import('../../../server/protocol.js').AppInfo>('/api/v1/info'),
  scenarios: () => request<ScenariosList>('/api/v1/scenarios'),
  scenario: (name: string) => request<ScenarioInfo & { Text?: string }>(`/api/v1/scenarios/${id(name)}`),
  useScenario: (body: { Name: string; Listener?: string } | { Scenario: unknown; Listener?: string }) =>
    request<ListenerInfo[]>('/api/v1/scenario', { method: 'PUT', json: body }),
  clock: () => request<ClockInfo>('/api/v1/clock'),
  moveClock: (body: { advance: string } | { set: string } | { reset: true }) => request<ClockInfo>('/api/v1/clock', { method: 'POST', json: body }),
  counters: () => request<{ counters: CounterInfo[] }>('/api/v1/counters'),
  faults: () => request<{ faults: OneShotFaultInfo[] }>('/api/v1/faults'),
  addFault: (body: unknown) => request<{ ID: string }>('/api/v1/faults', { method: 'POST', json: body }),
  removeFault: (faultId: string) => request<unknown>(`/api/v1/faults/${id(faultId)}`, { method: 'DELETE' }),
  /** Simulated inbound mail for a message: a reply, an auto-reply, or a bounce (each 201 {"ID"}). */
  simulate: (messageId: string, kind: 'reply' | 'auto-reply' | 'bounce', body: Record<string, unknown> = {}) =>
    request<{ ID: string }>(`/api/v1/message/${id(messageId)}/${kind}`, { method: 'POST', json: body }),
  /** As if recipients had marked the message as spam: spam delivery events, posted to provider webhooks. */
  complain: (messageId: string, body: Record<string, unknown> = {}) =>
    request<{ Recipients: string[]; FeedbackType: string }>(`/api/v1/message/${id(messageId)}/complaint`, { method: 'POST', json: body }),
  /** Replaces the tags of the given messages (Mailpit's PUT /api/v1/tags). */
  setTags: (ids: string[], tags: string[]) => request<string>('/api/v1/tags', { method: 'PUT', json: { IDs: ids, Tags: tags } }),
  /** Messages, sessions, scenarios back to start-up, counters, faults, chaos and the clock (POST /api/v1/reset). */
  resetAll: () => request<string>('/api/v1/reset', { method: 'POST' }),
};

function timeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
