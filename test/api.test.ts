import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppInfo, MessagesSummary, Session, SessionsList } from '../server/protocol.js';
import { nextEvent, sessionsClosed } from './helpers/events.js';
import { RawSmtp } from './helpers/raw-smtp.js';
import { getJson, startSim, type TestSim, type Transporter } from './helpers/sim.js';

let sim: TestSim;
let transport: Transporter;

beforeAll(async () => {
  sim = await startSim();
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
});
afterAll(async () => {
  transport.close();
  await sim.stop();
});
beforeEach(() => sim.harness.reset());

/** Sends and waits until the session is closed and recorded. */
async function send(subject: string, to = 'user@example.org'): Promise<void> {
  const closed = sessionsClosed(sim.harness.bus, 1);
  await transport.sendMail({ from: 'app@example.com', to, subject, text: `body of ${subject}` });
  await closed;
}

async function rejectedSession(): Promise<void> {
  const smtp = await RawSmtp.open(sim.smtpPort);
  const port = smtp.socket.localPort;
  const closed = nextEvent(sim.harness.bus, 'session.closed', (s) => s.Client.Port === port);
  await smtp.reply();
  await smtp.command('EHLO x.test');
  await smtp.command('MAIL FROM:<a@example.com> SIZE=999999999999');
  await smtp.command('QUIT');
  await closed;
}

describe('REST API: errors', () => {
  it.each([
    ['/api/v1/search', 400, /invalid query query/],
    ['/api/v1/sessions?outcome=exploded', 400, /invalid query outcome.*expected one of active, delivered/],
    ['/api/v1/message/nope', 404, /message nope not found/],
    ['/api/v1/message/nope/raw', 404, /message nope not found/],
    ['/api/v1/message/nope/headers', 404, /not found/],
    ['/api/v1/message/nope/part/1', 404, /not found/],
    ['/view/nope.html', 404, /message nope not found/],
    ['/view/nope.pdf', 404, /use \/view\/\{ID\}\.html/],
    ['/api/v1/session/nope', 404, /session nope not found/],
    ['/api/v1/nothing-here', 404, /no such endpoint: GET \/api\/v1\/nothing-here/],
  ])('GET %s answers %i with a JSON error', async (path, status, pattern) => {
    const response = await getJson<{ Error: string }>(`${sim.url}${path}`);
    expect(response.status).toBe(status);
    expect(response.body.Error).toMatch(pattern);
  });

  it('rejects malformed JSON bodies and conflicting fields with 400', async () => {
    const bad = await getJson(`${sim.url}/api/v1/messages`, { method: 'PUT', body: '{"Read": tru', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    const both = await getJson<{ Error: string }>(`${sim.url}/api/v1/messages`, { method: 'PUT', body: JSON.stringify({ Read: true, IDs: ['x'], Search: 'y' }) });
    expect(both).toEqual({ status: 400, body: { Code: 'BAD_REQUEST', Error: 'give either IDs or Search, not both' } });
    const wrongType = await getJson<{ Error: string }>(`${sim.url}/api/v1/messages`, { method: 'DELETE', body: JSON.stringify({ IDs: 'abc' }) });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.Error).toMatch(/invalid body IDs/);
  });

  it('skips an unknown message ID as Mailpit does, and widens nothing', async () => {
    await send('keep me');
    const response = await fetch(`${sim.url}/api/v1/messages`, { method: 'DELETE', body: JSON.stringify({ IDs: ['missing-id'] }) });
    expect(response.status).toBe(200);
    expect((await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.total).toBe(1);
  });
});

describe('REST API: sessions', () => {
  it('lists sessions newest first, filters by outcome, pages', async () => {
    await send('one');
    await rejectedSession();
    await send('two');
    const all = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions`)).body;
    expect(all.total).toBe(3);
    expect(all.sessions.map((s) => s.Outcome)).toEqual(['delivered', 'rejected', 'delivered']);
    const rejected = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions?outcome=rejected`)).body;
    expect(rejected.sessions).toHaveLength(1);
    expect(rejected.sessions[0]).toMatchObject({ OutcomeCode: 552, Messages: 0 });
    expect(rejected.sessions[0]!.OutcomeDetail).toMatch(/^552 5\.3\.4 .*\(reply to MAIL FROM:<a@example\.com> SIZE=999999999999\) \[persona 'message-size'\]$/);
    const page = (await getJson<SessionsList>(`${sim.url}/api/v1/sessions?start=1&limit=1&outcome=delivered,rejected`)).body;
    expect(page).toMatchObject({ total: 3, count: 1, start: 1 });
    expect(page.sessions[0]!.Outcome).toBe('rejected');

    const latest = (await getJson<Session>(`${sim.url}/api/v1/session/latest`)).body;
    expect(latest.MessageIDs).toHaveLength(1);
    expect(latest.Transcript.map((e) => e.Dir)).toContain('C');
    expect(latest.DurationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('REST API: system', () => {
  it('reports info, liveness and readiness', async () => {
    await send('counted');
    await rejectedSession();
    const info = (await getJson<AppInfo>(`${sim.url}/api/v1/info`)).body;
    expect(info).toMatchObject({ Messages: 1, Unread: 1, Database: ':memory:' });
    expect(info.RuntimeStats).toMatchObject({ SMTPAccepted: 1, SMTPRejected: 1 });
    expect(info.RuntimeStats.SMTPAcceptedSize).toBeGreaterThan(0);
    expect(info.DatabaseSize).toBeGreaterThan(0);
    expect(await fetch(`${sim.url}/livez`).then((r) => r.text())).toBe('ok');
    expect((await fetch(`${sim.url}/readyz`)).status).toBe(200);
  });

  it('resets messages, sessions and counters for test isolation', async () => {
    await send('before reset');
    const reset = await fetch(`${sim.url}/api/v1/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect((await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.total).toBe(0);
    expect((await getJson<SessionsList>(`${sim.url}/api/v1/sessions`)).body.total).toBe(0);
    expect((await getJson<AppInfo>(`${sim.url}/api/v1/info`)).body.RuntimeStats.SMTPAccepted).toBe(0);
  });

  it('serves raw sources as untrusted text and as an .eml download', async () => {
    await send('download me');
    const raw = await fetch(`${sim.url}/api/v1/message/latest/raw?dl=1`);
    expect(raw.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(raw.headers.get('x-content-type-options')).toBe('nosniff');
    expect(raw.headers.get('content-disposition')).toMatch(/^attachment; filename="[\w-]{22}\.eml"/);
  });
});
