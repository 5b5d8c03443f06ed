import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// GET /api/v1/message/{ID}/link-check: links point at a local HTTP server on 127.0.0.1 only.
let web: Server;
let base = '';
let hits = 0;
beforeAll(async () => {
  web = createServer((req, res) => {
    hits++;
    if (req.url === '/ok' || req.url === '/logo.png' || req.url === '/style.css') return res.writeHead(200).end();
    if (req.url === '/moved') return res.writeHead(301, { Location: '/ok' }).end();
    if (req.url === '/loop') return res.writeHead(302, { Location: '/loop' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => web.close(() => resolve())));

async function sendWithLinks(sim: TestSim): Promise<string> {
  const html = `<a href="${base}/ok">ok</a> <a href="${base}/missing">gone</a> <a href="${base}/moved">moved</a>
    <a href="${base}/ok">again</a> <a href="mailto:x@example.org">mail</a> <a href="${base}/loop">loop</a>
    <img src="${base}/logo.png"> <link rel="stylesheet" href="${base}/style.css">`;
  const { body } = await getJson(`${sim.url}/api/v1/send`, {
    method: 'POST',
    body: JSON.stringify({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject: 'links', HTML: html, Text: `see ${base}/text-only and <${base}/ok>` }),
  });
  return body.ID;
}

describe('link check', () => {
  let sim: TestSim;
  beforeAll(async () => {
    sim = await startSim({ allowInternalHttpRequests: true });
  });
  afterAll(() => sim.stop());

  it("reports each distinct link's status in Mailpit's shape; redirects are followed only with follow=true", async () => {
    const id = await sendWithLinks(sim);
    const plain = (await getJson(`${sim.url}/api/v1/message/${id}/link-check`)).body;
    expect(plain.Links).toEqual([
      { URL: `${base}/ok`, StatusCode: 200, Status: 'OK' },
      { URL: `${base}/missing`, StatusCode: 404, Status: 'Not Found' },
      { URL: `${base}/moved`, StatusCode: 301, Status: 'Moved Permanently' },
      { URL: `${base}/loop`, StatusCode: 302, Status: 'Found' },
      { URL: `${base}/style.css`, StatusCode: 200, Status: 'OK' },
      { URL: `${base}/logo.png`, StatusCode: 200, Status: 'OK' },
      { URL: `${base}/text-only`, StatusCode: 404, Status: 'Not Found' },
    ]);
    expect(plain.Errors).toBe(2);
    const followed = await new MailpitClient(sim.url).linkCheck(id, true);
    expect(followed.Links.find((l) => l.URL.endsWith('/moved'))).toEqual({ URL: `${base}/moved`, StatusCode: 200, Status: 'OK' });
    expect(followed.Links.find((l) => l.URL.endsWith('/loop'))).toMatchObject({ StatusCode: 0, Status: 'too many redirects' });
    expect(followed.Errors).toBe(3);
    expect((await getJson(`${sim.url}/api/v1/message/nope/link-check`)).status).toBe(404);
  });
});

describe('link check without --allow-internal-http-requests', () => {
  it('answers 451 "Blocked private/reserved address" for loopback links and sends them nothing, as Mailpit', async () => {
    const sim = await startSim();
    try {
      const id = await sendWithLinks(sim);
      const before = hits;
      const { body } = await getJson(`${sim.url}/api/v1/message/${id}/link-check?follow=true`);
      expect(body.Links[0]).toEqual({ URL: `${base}/ok`, StatusCode: 451, Status: 'Blocked private/reserved address' });
      expect(body.Links.every((l: { StatusCode: number }) => l.StatusCode === 451)).toBe(true);
      // Refused before any request: nothing reached the server.
      expect(hits).toBe(before);
    } finally {
      await sim.stop();
    }
  });
});
