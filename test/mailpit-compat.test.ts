import { once } from 'node:events';
import { request } from 'node:http';
import nodemailer from 'nodemailer';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessagesSummary } from '../server/protocol.js';
import { getJson, startSim, type SendOptions, type TestSim, type Transporter } from './helpers/sim.js';

/**
 * Mailpit's behaviour where mailsim used to differ (issue 12, mismatches 1-6), each replayed
 * with the request a real Mailpit client sends, over loopback.
 */
let sim: TestSim;
let transport: Transporter;

beforeAll(async () => {
  sim = await startSim();
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true, pool: true });
});
afterAll(async () => {
  transport.close();
  await sim.stop();
});
beforeEach(() => sim.harness.reset());

async function send(subject: string, extra: Partial<SendOptions> = {}): Promise<void> {
  await transport.sendMail({ from: 'App <app@example.com>', to: 'user@example.org', subject, text: `Body of ${subject}`, ...extra });
}

async function list(query = ''): Promise<MessagesSummary> {
  const response = await getJson<MessagesSummary>(`${sim.url}/api/v1/${query ? `search?query=${encodeURIComponent(query)}` : 'messages?limit=0'}`);
  expect(response.status).toBe(200);
  return response.body;
}

async function subjects(query = ''): Promise<string[]> {
  return (await list(query)).messages.map((m) => m.Subject);
}

/** Answers are `ok` as text or `{"Error": ...}`. */
async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${sim.url}${path}`, { method, body, headers });
  const text = await response.text();
  return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : { Error: '' }) as { Error: string } };
}

describe('mismatch 1: JSON keys as Go reads them, never "all" for a body not understood', () => {
  it('DELETE {"ids": [one]} deletes only that message (the Java client\'s request)', async () => {
    await send('a');
    await send('b');
    await send('c');
    const [newest] = (await list()).messages;
    const response = await call('DELETE', '/api/v1/messages', JSON.stringify({ ids: [newest!.ID] }), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(await subjects()).toEqual(['b', 'a']);
  });

  it('PUT {"read": true, "ids": [...]} marks those read, not every message unread', async () => {
    await send('a');
    await send('b');
    const [b] = (await list()).messages;
    expect((await call('PUT', '/api/v1/messages', JSON.stringify({ read: true, ids: [b!.ID] }))).status).toBe(200);
    expect(await subjects('is:read')).toEqual(['b']);
    expect(await subjects('is:unread')).toEqual(['a']);
    // Go folds case for every key, `sEaRcH` included; the last matching key wins.
    expect((await call('PUT', '/api/v1/messages', JSON.stringify({ READ: false, Read: true, sEaRcH: 'subject:a' }))).status).toBe(200);
    expect((await list()).unread).toBe(0);
  });

  it('PUT with no body is a 400 and changes nothing (Mailpit: EOF)', async () => {
    await send('a');
    await call('PUT', '/api/v1/messages', JSON.stringify({ Read: true }));
    const response = await call('PUT', '/api/v1/messages');
    expect(response.status).toBe(400);
    expect(response.body.Error).toMatch(/invalid body/);
    expect((await list()).unread).toBe(0);
  });

  it('refuses a body whose only keys it does not understand rather than act on every message', async () => {
    await send('a');
    await send('b');
    const del = await call('DELETE', '/api/v1/messages', JSON.stringify({ messageIds: ['x'] }));
    expect(del.status).toBe(400);
    expect(del.body.Error).toMatch(/unknown field "messageIds"/);
    expect((await call('PUT', '/api/v1/messages', JSON.stringify({ Read: true, messageIds: ['x'] }))).status).toBe(400);
    expect((await call('DELETE', '/api/v1/messages', JSON.stringify(['x']))).status).toBe(400);
    expect((await call('DELETE', '/api/v1/messages', JSON.stringify({ IDs: 'x' }))).status).toBe(400);
    expect((await list()).unread).toBe(2);
  });

  it('keeps Mailpit\'s "everything" for no body, {} and an empty list (cypress-mailpit deletes all so)', async () => {
    await send('a');
    expect((await call('DELETE', '/api/v1/messages')).status).toBe(200);
    expect((await list()).total).toBe(0);
    await send('b');
    expect((await call('DELETE', '/api/v1/messages', JSON.stringify({ IDs: [] }))).status).toBe(200);
    expect((await list()).total).toBe(0);
  });

  it('reads PUT /api/v1/tags {"ids", "tags"} as Go does', async () => {
    await send('a');
    const [a] = (await list()).messages;
    expect((await call('PUT', '/api/v1/tags', JSON.stringify({ ids: [a!.ID], tags: ['red'] }))).status).toBe(200);
    expect(await subjects('tag:red')).toEqual(['a']);
  });
});

describe('mismatch 3: unknown IDs are skipped, the known ones acted on', () => {
  it('deletes, marks and tags the known messages of a list with a gone one', async () => {
    await send('a');
    await send('b');
    await send('c');
    const [c, b] = (await list()).messages;
    expect((await call('PUT', '/api/v1/messages', JSON.stringify({ IDs: [c!.ID, 'gone'], Read: true }))).status).toBe(200);
    expect(await subjects('is:read')).toEqual(['c']);
    expect((await call('PUT', '/api/v1/tags', JSON.stringify({ IDs: ['gone', b!.ID], Tags: ['t'] }))).status).toBe(200);
    expect(await subjects('tag:t')).toEqual(['b']);
    expect((await call('DELETE', '/api/v1/messages', JSON.stringify({ IDs: ['gone', c!.ID] }))).status).toBe(200);
    expect(await subjects()).toEqual(['b', 'a']);
    // Only unknown IDs: nothing to do, nothing widened.
    expect((await call('DELETE', '/api/v1/messages', JSON.stringify({ IDs: ['gone'] }))).status).toBe(200);
    expect((await list()).total).toBe(2);
  });
});

describe('mismatch 2: latest takes ?query=', () => {
  it('answers the newest matching message on every latest path, 404 when none matches', async () => {
    await send('invoice 1', { html: '<p>invoice html</p>', attachments: [{ filename: 'a.txt', content: 'attached' }] });
    await send('welcome');
    const q = `query=${encodeURIComponent('subject:invoice')}`;
    const message = await getJson<{ Subject: string; Attachments: Array<{ PartID: string }> }>(`${sim.url}/api/v1/message/latest?${q}`);
    expect(message.status).toBe(200);
    expect(message.body.Subject).toBe('invoice 1');
    expect(await fetch(`${sim.url}/api/v1/message/latest/raw?${q}`).then((r) => r.text())).toContain('Subject: invoice 1');
    expect((await getJson<Record<string, string[]>>(`${sim.url}/api/v1/message/latest/headers?${q}`)).body.Subject).toEqual(['invoice 1']);
    const part = message.body.Attachments[0]!.PartID;
    expect(await fetch(`${sim.url}/api/v1/message/latest/part/${part}?${q}`).then((r) => r.text())).toBe('attached');
    expect(await fetch(`${sim.url}/view/latest.html?${q}`).then((r) => r.text())).toContain('invoice html');
    expect(await fetch(`${sim.url}/view/latest.txt?${q}`).then((r) => r.text())).toContain('Body of invoice 1');

    const none = `query=${encodeURIComponent('subject:nothing-like-this')}`;
    for (const path of ['/api/v1/message/latest', '/api/v1/message/latest/raw', '/api/v1/message/latest/headers', '/api/v1/message/latest/part/1', '/view/latest.html', '/view/latest.txt']) {
      expect((await fetch(`${sim.url}${path}?${none}`)).status, path).toBe(404);
    }
  });
});

describe('mismatch 4: search never rejects a query', () => {
  it.each([
    'after:2000/01/01',
    'after:01/31/2000',
    'before:yesterdayish',
    'larger:lots',
    'is:starred',
    '"unbalanced',
    'from:',
  ])('GET /api/v1/search?query=%s answers 200', async (query) => {
    await send('x');
    expect((await getJson(`${sim.url}/api/v1/search?query=${encodeURIComponent(query)}`)).status).toBe(200);
  });

  it('reads Mailpit\'s date formats and ignores what it cannot read', async () => {
    await send('now');
    expect(await subjects('after:2000/01/01')).toEqual(['now']);
    expect(await subjects('before:2000/01/01')).toEqual([]);
    expect(await subjects('after:01/31/2000 now')).toEqual(['now']);
    expect(await subjects('after:nonsense now')).toEqual(['now']);
    expect((await getJson(`${sim.url}/api/v1/search?query=after:2000-01-01&tz=Mars/Olympus`)).status).toBe(200);
  });

  it('searches bad sizes and unknown flags as text, and free text in attachment file names', async () => {
    await send('about is:starred things');
    await send('with a file', { attachments: [{ filename: 'quarterly-report.pdf', content: 'pdf' }] });
    expect(await subjects('is:starred')).toEqual(['about is:starred things']);
    expect(await subjects('quarterly-report')).toEqual(['with a file']);
  });

  it('still answers 400 for a missing query, as Mailpit does', async () => {
    expect((await getJson(`${sim.url}/api/v1/search`)).status).toBe(400);
    expect((await getJson(`${sim.url}/api/v1/search?query=%20`, { method: 'DELETE' })).status).toBe(400);
  });
});

describe('mismatch 5: paging as Mailpit reads it', () => {
  it('limit=0 lists all; bad or large values are lenient; before= filters by time', async () => {
    for (const n of [1, 2, 3]) await send(`m${n}`);
    const get = async (q: string) => (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages?${q}`)).body;
    expect((await get('limit=0')).messages).toHaveLength(3);
    expect((await get('limit=abc')).messages).toHaveLength(3);
    expect((await get('start=-1&limit=1')).messages.map((m) => m.Subject)).toEqual(['m3']);
    expect((await get('limit=50000')).messages).toHaveLength(3);
    expect((await get('before=2000-01-01')).messages).toHaveLength(0);
    expect((await get('before=2999-01-01')).messages).toHaveLength(3);
    expect((await get('before=garbage')).messages).toHaveLength(3);
    const search = (await getJson<MessagesSummary>(`${sim.url}/api/v1/search?query=m&limit=0&before=2000-01-01`)).body;
    expect(search).toMatchObject({ total: 3, messages_count: 0 });
  });
});

describe('mismatch 6: unclean paths redirect as Go\'s ServeMux does', () => {
  it('GET //view/ID.html (cypress-mailpit\'s URL) follows a 301 to the message', async () => {
    await send('doubled', { html: '<b>doubled html</b>' });
    const [m] = (await list()).messages;
    const manual = await fetch(`${sim.url}//view/${m!.ID}.html?remote=0`, { redirect: 'manual' });
    expect(manual.status).toBe(301);
    expect(manual.headers.get('location')).toBe(`/view/${m!.ID}.html?remote=0`);
    expect(await fetch(`${sim.url}//view/${m!.ID}.html`).then((r) => r.text())).toContain('doubled html');
    expect(await fetch(`${sim.url}/api//v1/./messages`).then((r) => r.status)).toBe(200);
  });
});

describe('mismatch 10: details of the views and the web UI configuration', () => {
  it('/view/ID.html of a text-only message is a 404, as in Mailpit', async () => {
    await send('text only');
    const [m] = (await list()).messages;
    const response = await fetch(`${sim.url}/view/${m!.ID}.html`);
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/does not contain an HTML part/);
    expect((await fetch(`${sim.url}/view/${m!.ID}.txt`)).status).toBe(200);
  });

  it('?embed=1 opens every link in a new tab', async () => {
    await send('links', { html: '<a href="https://example.com/a">a</a> <A target="_self" HREF="/b">b</A>' });
    const [m] = (await list()).messages;
    const html = await fetch(`${sim.url}/view/${m!.ID}.html?embed=1`).then((r) => r.text());
    expect(html).toBe('<a href="https://example.com/a" target="_blank" rel="noreferrer noopener">a</a> <a HREF="/b" target="_blank" rel="noreferrer noopener">b</A>');
    expect(await fetch(`${sim.url}/view/${m!.ID}.html`).then((r) => r.text())).toContain('<a href="https://example.com/a">a</a>');
  });

  it('/view marks the message read, as Mailpit\'s views do', async () => {
    await send('read me', { html: '<p>x</p>' });
    await send('read me too');
    const [text, html] = (await list()).messages;
    await fetch(`${sim.url}/view/${html!.ID}.html`).then((r) => r.text());
    await fetch(`${sim.url}/view/${text!.ID}.txt`).then((r) => r.text());
    expect((await list()).unread).toBe(0);
  });

  it('says ChaosEnabled: true, since /api/v1/chaos works', async () => {
    const config = await getJson<{ ChaosEnabled: boolean }>(`${sim.url}/api/v1/webui`);
    expect(config.body.ChaosEnabled).toBe(true);
    expect((await getJson(`${sim.url}/api/v1/chaos`)).status).toBe(200);
  });
});

describe('mismatch 7: WebSocket frames as Mailpit sends them', () => {
  it('one update/delete per message, update {ID, Tags}, prune on tag rename/delete, truncate null, From {}', async () => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/api/events`);
    const frames: Array<{ Type: string; Data: any }> = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (data) => {
      frames.push(JSON.parse(String(data)));
      for (const wake of waiters.splice(0)) wake();
    });
    const until = async (type: string, count = 1) => {
      while (frames.filter((f) => f.Type === type).length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    await once(ws, 'open');
    try {
      await transport.sendMail({ envelope: { from: 'a@example.com', to: ['b@example.org'] }, raw: 'Subject: no from\r\n\r\nbody\r\n' });
      await send('second');
      await until('new', 2);
      expect(frames.find((f) => f.Type === 'new')!.Data.From).toEqual({ Name: '', Address: '' });
      const ids = (await list()).messages.map((m) => m.ID);

      await call('PUT', '/api/v1/messages', JSON.stringify({ IDs: ids, Read: true }));
      await until('update', 2);
      expect(frames.filter((f) => f.Type === 'update').map((f) => f.Data)).toEqual(ids.map((ID) => ({ ID, Read: true })));

      await call('PUT', '/api/v1/tags', JSON.stringify({ IDs: [ids[0]], Tags: ['Red'] }));
      await until('update', 3);
      expect(frames.filter((f) => f.Type === 'update').at(-1)!.Data).toEqual({ ID: ids[0], Tags: ['Red'] });
      await call('PUT', '/api/v1/tags/Red', JSON.stringify({ Name: 'Blue' }));
      await until('prune');
      await call('DELETE', '/api/v1/tags/Blue');
      await until('prune', 2);
      expect(frames.filter((f) => f.Type === 'prune').map((f) => f.Data)).toEqual([null, null]);

      await call('DELETE', '/api/v1/messages', JSON.stringify({ IDs: [ids[0]] }));
      await until('delete');
      expect(frames.find((f) => f.Type === 'delete')!.Data).toEqual({ ID: ids[0] });
      await call('DELETE', '/api/v1/messages');
      await until('truncate');
      expect(frames.find((f) => f.Type === 'truncate')!.Data).toBeNull();
    } finally {
      ws.terminate();
    }
  });
});

describe('mismatch 8: tags keep "@", as Mailpit\'s tag rules allow', () => {
  it('X-Tags: user@example.com is the tag user@example.com, findable with tag:', async () => {
    await send('tagged by address', { headers: { 'X-Tags': 'user@example.com, release 1.2' } });
    const [m] = (await list()).messages;
    expect(m!.Tags).toEqual(['release 1.2', 'user@example.com']);
    expect(await subjects('tag:user@example.com')).toEqual(['tagged by address']);
    expect((await call('PUT', '/api/v1/tags/user@example.com', JSON.stringify({ Name: 'ops@example.com' }))).status).toBe(200);
    expect((await getJson<string[]>(`${sim.url}/api/v1/tags`)).body).toEqual(['ops@example.com', 'release 1.2']);
  });
});

describe('mismatch 10: --api-cors and --allowed-hosts', () => {
  /** node:http, since fetch may not set Host. */
  function raw(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('lets a page on an --api-cors host use the API, answers its preflight, and opens nothing else', async () => {
    const own = await startSim({ apiCors: ['app.test'] });
    try {
      const origin = 'http://app.test:3000';
      const preflight = await raw(`${own.url}/api/v1/messages`, 'OPTIONS', { origin, 'access-control-request-method': 'DELETE' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      const list = await raw(`${own.url}/api/v1/messages`, 'GET', { origin, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' });
      expect(list.status).toBe(200);
      expect(list.headers['access-control-allow-origin']).toBe(origin);
      expect((await raw(`${own.url}/api/v1/messages`, 'GET', { origin: 'http://evil.test' })).status).toBe(403);
      expect((await raw(`${own.url}/view/latest.txt`, 'GET', { origin })).status).toBe(403);
    } finally {
      await own.stop();
    }
  });

  it('accepts a Host named in --allowed-hosts behind a reverse proxy, and still refuses others', async () => {
    const own = await startSim({ allowedHosts: ['mail.proxy.test'] });
    try {
      expect((await raw(`${own.url}/api/v1/messages`, 'GET', { host: 'mail.proxy.test:8443' })).status).toBe(200);
      const other = await raw(`${own.url}/api/v1/messages`, 'GET', { host: 'rebound.evil.test' });
      expect(other.status).toBe(403);
      expect(other.body).toMatch(/--allowed-hosts/);
    } finally {
      await own.stop();
    }
  });
});
