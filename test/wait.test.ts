import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessagesSummary, MessageSummary, SessionsList } from '../server/protocol.js';
import { nextEvent, sessionsClosed } from './helpers/events.js';
import { sendWithNodemailer } from './helpers/faults.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';
import { nextWait } from './helpers/waits.js';

let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());
beforeEach(() => sim.harness.reset());
afterEach(() => vi.restoreAllMocks());

const listeners = () => ['message.received', 'message.updated', 'message.tagged', 'session.opened', 'session.closed'].map((e) => sim.harness.bus.listenerCount(e as never));
let baseline: number[] = [];
beforeEach(() => {
  baseline = listeners();
});

/** Sends one message and resolves once it is stored and announced. */
async function send(subject: string, to = 'user@example.org'): Promise<MessageSummary> {
  const received = nextEvent(sim.harness.bus, 'message.received', (m) => m.Subject === subject);
  const outcome = await sendWithNodemailer(sim.smtpPort, { subject, to });
  expect(outcome.ok).toBe(true);
  return received;
}

describe('GET /api/v1/wait', () => {
  it('answers at once when enough messages already match, in the search endpoint\'s shape', async () => {
    await send('first', 'a@example.org');
    await send('second', 'b@example.org');
    const { status, body } = await getJson<MessagesSummary>(`${sim.url}/api/v1/wait?query=to:a@example.org`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ total: 2, messages_count: 1, count: 1, start: 0, tags: [] });
    expect(body.messages.map((m) => m.Subject)).toEqual(['first']);
  });

  it('waits for messages that arrive during the wait', async () => {
    const opened = nextWait(sim.harness.integrations.waits);
    const waiting = getJson<MessagesSummary>(`${sim.url}/api/v1/wait?query=subject:later&count=2&timeout=10s`);
    await opened;
    await send('later 1');
    await send('not this one');
    expect(sim.harness.integrations.waits.size).toBe(1);
    await send('later 2');
    const { status, body } = await waiting;
    expect(status).toBe(200);
    expect(body.messages.map((m) => m.Subject)).toEqual(['later 2', 'later 1']);
    expect(sim.harness.integrations.waits.size).toBe(0);
  });

  it('does not miss a message that arrives between the first check and the wait', async () => {
    // The message is stored before the wait starts, but the wait's first check is made to see the
    // store as it was just before the commit, and the message's event is published right after
    // that check, before the wait goes to sleep. A wait that subscribed after checking would hang.
    const message = await send('raced');
    const mailbox = sim.harness.mailbox;
    const realSearch = mailbox.search.bind(mailbox);
    let checks = 0;
    vi.spyOn(mailbox, 'search').mockImplementation((params) => {
      const result = realSearch(params);
      if (params.query === 'subject:raced' && checks++ === 0) {
        sim.harness.bus.publish('message.received', message);
        return { messages: [], total: 0, unread: 0 };
      }
      return result;
    });
    const started = Date.now();
    const { status, body } = await getJson<MessagesSummary>(`${sim.url}/api/v1/wait?query=subject:raced&timeout=5s`);
    expect(status).toBe(200);
    expect(body.messages.map((m) => m.ID)).toEqual([message.ID]);
    expect(checks).toBeGreaterThanOrEqual(2);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers 408 with what did match and what arrived instead', async () => {
    await send('wanted', 'ops@example.org');
    await send('something else', 'sales@example.org');
    const { status, body } = await getJson<MessagesSummary & { Error: string; recent: MessageSummary[] }>(`${sim.url}/api/v1/wait?query=to:ops@example.org&count=2&timeout=150ms`);
    expect(status).toBe(408);
    expect(body.Error).toBe('timed out after 150ms: 1 of 2 messages matching "to:ops@example.org" arrived');
    expect(body).toMatchObject({ total: 2, messages_count: 1 });
    expect(body.messages.map((m) => m.Subject)).toEqual(['wanted']);
    expect(body.recent.map((m) => m.Subject)).toEqual(['something else', 'wanted']);
    expect(listeners()).toEqual(baseline);
  });

  it.each([
    ['count=0', /invalid query count/],
    ['timeout=6m', /invalid query timeout: expected a duration of at most 5m/],
    ['timeout=soon', /invalid query timeout/],
  ])('refuses %s with 400', async (params, pattern) => {
    const { status, body } = await getJson<{ Error: string }>(`${sim.url}/api/v1/wait?${params}`);
    expect(status).toBe(400);
    expect(body.Error).toMatch(pattern);
  });

  it('releases the wait (subscription and timer) when the client goes away', async () => {
    const before = listeners();
    const aborted = new AbortController();
    const opened = nextWait(sim.harness.integrations.waits);
    const waiting = fetch(`${sim.url}/api/v1/wait?query=never&timeout=60s`, { signal: aborted.signal }).catch((error: Error) => error.name);
    const { ended } = await opened;
    expect(listeners()[0]).toBe(before[0]! + 1);
    aborted.abort();
    expect(await waiting).toBe('AbortError');
    await ended;
    expect(sim.harness.integrations.waits.size).toBe(0);
    expect(listeners()).toEqual(before);
  });
});

describe('GET /api/v1/sessions/wait', () => {
  it('waits for the third attempt after two one-shot 421s: deferred, deferred, delivered', async () => {
    const fault = await getJson(`${sim.url}/api/v1/faults`, {
      method: 'POST',
      body: JSON.stringify({ when: { phase: 'data-end' }, count: 2, action: { reply: { code: 421, enhanced: '4.7.0', text: 'Try again later' } } }),
    });
    expect(fault.status).toBe(201);
    const since = new Date().toISOString();
    const opened = nextWait(sim.harness.integrations.waits);
    const waiting = getJson<SessionsList>(`${sim.url}/api/v1/sessions/wait?count=3&since=${since}&timeout=10s`);
    await opened;
    const attempts = [];
    for (let attempt = 0; attempt < 3; attempt++) attempts.push(await sendWithNodemailer(sim.smtpPort, { subject: `attempt ${attempt}` }));
    expect(attempts.map((a) => a.responseCode ?? 250)).toEqual([421, 421, 250]);
    const { status, body } = await waiting;
    expect(status).toBe(200);
    expect(body.total).toBe(3);
    expect(body.sessions.map((s) => s.Outcome).reverse()).toEqual(['deferred', 'deferred', 'delivered']);
    expect(body.sessions.map((s) => s.OutcomeCode).reverse()).toEqual([421, 421, 250]);
  });

  it('filters by outcome and since, and answers 408 with the newest sessions', async () => {
    const closed = sessionsClosed(sim.harness.bus, 1);
    await sendWithNodemailer(sim.smtpPort, { subject: 'fine' });
    await closed;
    const ok = await getJson<SessionsList>(`${sim.url}/api/v1/sessions/wait?outcome=delivered&timeout=1s`);
    expect(ok.body.sessions.map((s) => s.Outcome)).toEqual(['delivered']);
    const later = new Date(Date.now() + 60_000).toISOString();
    const none = await getJson<SessionsList & { Error: string; recent: unknown[] }>(`${sim.url}/api/v1/sessions/wait?outcome=delivered&since=${later}&timeout=100ms`);
    expect(none.status).toBe(408);
    expect(none.body.Error).toBe(`timed out after 100ms: 0 of 1 session with outcome delivered, since ${later}`);
    expect(none.body.recent).toEqual([]);
    const rejected = await getJson<SessionsList & { Error: string; recent: Array<{ Outcome: string }> }>(`${sim.url}/api/v1/sessions/wait?outcome=rejected,deferred&timeout=100ms`);
    expect(rejected.status).toBe(408);
    expect(rejected.body.recent.map((s) => s.Outcome)).toEqual(['delivered']);
    expect((await getJson(`${sim.url}/api/v1/sessions?since=yesterday`)).status).toBe(400);
    expect((await getJson<SessionsList>(`${sim.url}/api/v1/sessions?since=${later}`)).body.total).toBe(0);
  });
});

describe('waits and shutdown', () => {
  it('a long wait does not hold up stopping: it is answered 503 at once', async () => {
    const own = await startSim();
    const opened = nextWait(own.harness.integrations.waits);
    const answered = new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      // A raw request: fetch would retry or hide the socket being closed.
      const req = request(`${own.url}/api/v1/wait?query=never&timeout=5m`, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.end();
    });
    await opened;
    const started = Date.now();
    await own.stop();
    // Well under the wait's 5 minutes (stopping itself takes a few hundred ms: writer thread, WAL).
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await answered).toEqual({ status: 503, body: '{"Error":"mailsim is shutting down","Code":"UNAVAILABLE"}' });
  });
});
