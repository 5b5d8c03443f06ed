import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRequest, credentialsMatch, hostName, isLoopbackHostName, isSameOrigin, parseUiAuth, securityMiddleware } from '../../server/http/security.js';
import { appPolicy, uiStatic } from '../../server/http/ui-static.js';

const loopback = { boundHost: () => '127.0.0.1' };
const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('request checks', () => {
  it('lets clients without an Origin through (curl, test suites, Mailpit API clients)', () => {
    expect(checkRequest({ url: '/api/v1/messages', headers: { host: '127.0.0.1:8025' } }, loopback)).toBeNull();
  });

  it('accepts same-origin browser requests, also behind a TLS proxy', () => {
    expect(isSameOrigin('http://127.0.0.1:8025', '127.0.0.1:8025')).toBe(true);
    expect(isSameOrigin('https://mail.test', 'mail.test')).toBe(true);
    expect(isSameOrigin('http://mail.test:80', 'mail.test')).toBe(true);
    expect(checkRequest({ url: '/api/events', headers: { host: 'localhost:8025', origin: 'http://localhost:8025' } }, loopback)).toBeNull();
  });

  it('refuses cross-origin and null origins', () => {
    expect(isSameOrigin('http://evil.example', '127.0.0.1:8025')).toBe(false);
    expect(isSameOrigin('http://127.0.0.1:9999', '127.0.0.1:8025')).toBe(false);
    expect(isSameOrigin('null', '127.0.0.1:8025')).toBe(false);
    expect(isSameOrigin('file://', '127.0.0.1:8025')).toBe(false);
    expect(checkRequest({ url: '/api/events', headers: { host: '127.0.0.1:8025', origin: 'http://evil.example' } }, loopback)).toEqual({
      status: 403,
      message: 'refused: cross-origin request from http://evil.example',
    });
  });

  it('treats Origin null on a no-cors GET (an image in our sandboxed preview) as no Origin, nothing else', () => {
    const headers = { host: '127.0.0.1:8025', origin: 'null', 'sec-fetch-mode': 'no-cors' };
    expect(checkRequest({ url: '/api/v1/message/x/part/2', method: 'GET', headers }, loopback)).toBeNull();
    expect(checkRequest({ url: '/api/v1/reset', method: 'POST', headers }, loopback)?.status).toBe(403);
    expect(checkRequest({ url: '/api/v1/messages', method: 'GET', headers: { ...headers, 'sec-fetch-mode': 'cors' } }, loopback)?.status).toBe(403);
    expect(checkRequest({ url: '/api/events', method: 'GET', headers: { ...headers, 'sec-fetch-mode': 'websocket' } }, loopback)?.status).toBe(403);
  });

  it('refuses non-loopback Host names while bound to loopback (DNS rebinding), not otherwise', () => {
    expect(['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]'].every(isLoopbackHostName)).toBe(true);
    expect(['evil.example', '127.0.0.1.evil.example', '10.0.0.1', 'localhost.evil.example'].some(isLoopbackHostName)).toBe(false);
    expect(hostName('[::1]:8025')).toBe('[::1]');
    expect(hostName('Example.TEST:80')).toBe('example.test');
    const rebound = checkRequest({ url: '/api/v1/messages', headers: { host: 'evil.example:8025' } }, loopback);
    expect(rebound?.status).toBe(403);
    expect(rebound?.message).toMatch(/DNS rebinding/);
    expect(checkRequest({ url: '/', headers: { host: 'mailsim.internal:8025' } }, { boundHost: () => '0.0.0.0' })).toBeNull();
  });

  it('asks for basic credentials when configured, except on the health probes', () => {
    const auth = { boundHost: () => '127.0.0.1', auth: { user: 'qa', password: 's3:cret' } };
    const host = '127.0.0.1:8025';
    expect(checkRequest({ url: '/api/v1/messages', headers: { host } }, auth)).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': expect.stringMatching(/^Basic realm="mailsim"/) } });
    expect(checkRequest({ url: '/api/v1/messages', headers: { host, authorization: basic('qa:wrong') } }, auth)?.status).toBe(401);
    expect(checkRequest({ url: '/api/v1/messages', headers: { host, authorization: basic('qa:s3:cret') } }, auth)).toBeNull();
    expect(checkRequest({ url: '/livez', headers: { host } }, auth)).toBeNull();
    expect(checkRequest({ url: '/readyz?x=1', headers: { host } }, auth)).toBeNull();
    expect(credentialsMatch('Bearer abc', { user: 'a', password: 'b' })).toBe(false);
    expect(parseUiAuth('qa:s3:cret')).toEqual({ user: 'qa', password: 's3:cret' });
    expect(parseUiAuth('nocolon')).toBeUndefined();
    expect(parseUiAuth(':x')).toBeUndefined();
    expect(parseUiAuth('x:')).toBeUndefined();
  });
});

describe('UI static files', () => {
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailsim-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>mailsim</title><script type="module" src="/assets/app-abc123.js"></script>');
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    const app = express();
    app.use(securityMiddleware(loopback));
    app.get('/api/v1/messages', (_req, res) => res.json({ ok: true }));
    app.use(uiStatic(dir));
    app.use((_req, res) => res.status(404).json({ Error: 'no such endpoint' }));
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app page for client routes with a strict policy and no framing by others', async () => {
    for (const path of ['/', '/message/abc', '/sessions/xyz', '/scenarios']) {
      const response = await fetch(base + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(await response.text()).toContain('<title>mailsim</title>');
    }
  });

  it('caches hashed assets for a year and leaves API paths to the API', async () => {
    const asset = await fetch(`${base}/assets/app-abc123.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${base}/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
    expect(await (await fetch(`${base}/api/v1/messages`)).json()).toEqual({ ok: true });
    expect((await fetch(`${base}/api/v1/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/assets/..%2F..%2Fetc%2Fpasswd.txt`)).status).toBe(404);
  });

  it('refuses cross-origin and rebinding requests before any route, with JSON errors', async () => {
    const cross = await fetch(`${base}/api/v1/messages`, { headers: { origin: 'http://evil.example' } });
    expect(cross.status).toBe(403);
    expect(await cross.json()).toEqual({ Code: 'FORBIDDEN', Error: 'refused: cross-origin request from http://evil.example' });
  });

  it('allows the page to open its own WebSocket', () => {
    expect(appPolicy('127.0.0.1:8025')).toContain("connect-src 'self' ws://127.0.0.1:8025 wss://127.0.0.1:8025");
    expect(appPolicy('evil;script-src *')).toContain("connect-src 'self';");
  });
});
