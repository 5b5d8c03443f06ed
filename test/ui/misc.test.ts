import { describe, expect, it } from 'vitest';
import { keyAction } from '../../ui/src/lib/keys.js';
import { addTerm, listUrl, quoteValue } from '../../ui/src/lib/query.js';
import { parseRoute, routePath } from '../../ui/src/lib/router.js';
import { buildSrcdoc, countRemote, previewPolicy, rewriteCids } from '../../ui/src/lib/srcdoc.js';
import { perMinute, tally } from '../../ui/src/lib/stats.js';

describe('search query building', () => {
  it('quotes values with spaces and avoids duplicate terms', () => {
    expect(quoteValue('ann@example.com')).toBe('ann@example.com');
    expect(quoteValue('password reset')).toBe('"password reset"');
    expect(addTerm('is:unread', 'subject', 'password reset')).toBe('is:unread subject:"password reset"');
    expect(addTerm('from:a@b', 'from', 'a@b')).toBe('from:a@b');
  });

  it('uses the list endpoint without a query and the search endpoint with one', () => {
    expect(listUrl('', 100, 50)).toBe('/api/v1/messages?start=100&limit=50');
    expect(listUrl(' to:a@b ', 0, 50, 'Europe/Paris')).toBe('/api/v1/search?query=to%3Aa%40b&start=0&limit=50&tz=Europe%2FParis');
  });
});

describe('routes', () => {
  it.each([
    ['/', '', { name: 'inbox', messageId: null, query: '' }],
    ['/', '?q=is%3Aunread', { name: 'inbox', messageId: null, query: 'is:unread' }],
    ['/message/abc', '', { name: 'inbox', messageId: 'abc', query: '' }],
    ['/sessions', '?outcome=rejected,deferred', { name: 'sessions', sessionId: null, outcomes: ['rejected', 'deferred'], query: '' }],
    ['/sessions/s1', '', { name: 'sessions', sessionId: 's1', outcomes: [], query: '' }],
    ['/sessions', '?q=from%3Ashop', { name: 'sessions', sessionId: null, outcomes: [], query: 'from:shop' }],
    ['/scenarios', '', { name: 'scenarios' }],
    ['/stats', '', { name: 'stats' }],
    ['/nope/x/y', '', { name: 'not-found', path: '/nope/x/y' }],
  ])('%s%s', (path, search, route) => {
    expect(parseRoute(path, search)).toEqual(route);
    if (route.name !== 'not-found') expect(routePath(parseRoute(path, search))).toBe(path + search.replace('%3A', ':'));
  });
});

describe('keyboard', () => {
  it('maps keys to inbox actions, and leaves text fields alone', () => {
    const key = (k: string, inField = false) => keyAction({ key: k, inField });
    expect(['j', 'k', 'Enter', 'Delete', '/', 'x', 'Escape', 'q'].map((k) => key(k))).toEqual(['next', 'previous', 'open', 'delete', 'search', 'toggle-select', 'close', null]);
    expect(key('j', true)).toBeNull();
    expect(key('Escape', true)).toBe('close');
    expect(keyAction({ key: 'j', ctrlKey: true, inField: false })).toBeNull();
  });
});

describe('message preview document', () => {
  const origin = 'http://127.0.0.1:8025';

  it('blocks remote content until allowed, never scripts', () => {
    expect(previewPolicy({ origin, allowRemote: false })).toBe(
      `default-src 'none'; img-src ${origin} data: blob:; style-src 'unsafe-inline'; font-src data:; media-src data:; script-src 'none'; form-action 'none'; base-uri 'none'`,
    );
    expect(previewPolicy({ origin, allowRemote: true })).toContain('img-src http://127.0.0.1:8025 data: blob: http: https:');
    expect(previewPolicy({ origin, allowRemote: true })).toContain("script-src 'none'");
  });

  it('puts its policy first and drops meta refresh', () => {
    const doc = buildSrcdoc('<html><head><meta http-equiv="refresh" content="0;url=http://evil.test/"></head><body><p>Hi</p></body></html>', { origin, allowRemote: false });
    expect(doc.indexOf('Content-Security-Policy')).toBeLessThan(doc.indexOf('<p>Hi</p>'));
    expect(doc).not.toMatch(/refresh/i);
    expect(doc).toContain('<base target="_blank">');
  });

  it('counts remote resources but not links', () => {
    const html = `<img src="https://t.example/p.gif"><div style="background:url('http://x/y.png')"></div><a href="https://example.com">link</a>
      <link rel="stylesheet" href="https://fonts.example/css"><img src="cid:logo"><img src="data:image/png;base64,AA==">`;
    expect(countRemote(html)).toBe(3);
  });

  it('points cid: images at part URLs', () => {
    const html = '<img src="cid:logo@x"><img src=\'cid:missing\'><div style="background:url(cid:bg)"></div>';
    const parts: Record<string, string> = { 'logo@x': '/api/v1/message/M/part/2', bg: '/api/v1/message/M/part/3' };
    expect(rewriteCids(html, (cid) => parts[cid])).toBe('<img src="/api/v1/message/M/part/2"><img src=\'cid:missing\'><div style="background:url(/api/v1/message/M/part/3)"></div>');
  });
});

describe('stats', () => {
  const s = (Outcome: string, OutcomeCode: number | null, Messages: number, Ended: string) => ({ Outcome, OutcomeCode, Messages, Started: Ended, Ended }) as Parameters<typeof tally>[0][number];

  it('counts accepted messages and refusals by code', () => {
    const t = tally([
      s('delivered', 250, 3, '2025-01-01T00:00:00Z'),
      s('deferred', 421, 0, '2025-01-01T00:00:00Z'),
      s('deferred', 421, 0, '2025-01-01T00:00:00Z'),
      s('rejected', 550, 0, '2025-01-01T00:00:00Z'),
      s('active', null, 0, '2025-01-01T00:00:00Z'),
      s('dropped', null, 0, '2025-01-01T00:00:00Z'),
      // A refused login is its own outcome, not a rejection, though its code is a 5xx.
      s('auth-failed', 535, 0, '2025-01-01T00:00:00Z'),
    ]);
    expect(t).toMatchObject({ sessions: 6, accepted: 3, deferred: 2, rejected: 1 });
    expect(t.byCode).toEqual([
      { code: 250, kind: 'accepted', count: 3 },
      { code: 421, kind: 'deferred', count: 2 },
      { code: 535, kind: 'rejected', count: 1 },
      { code: 550, kind: 'rejected', count: 1 },
    ]);
    expect(t.byOutcome[0]).toEqual({ outcome: 'deferred', count: 2 });
  });

  it('buckets messages per minute, oldest first', () => {
    const now = Date.parse('2025-01-01T12:10:30Z');
    const buckets = perMinute([s('delivered', 250, 2, '2025-01-01T12:10:05Z'), s('delivered', 250, 1, '2025-01-01T12:08:59Z'), s('delivered', 250, 9, '2025-01-01T10:00:00Z')], now, 5);
    expect(buckets).toEqual([0, 0, 1, 0, 2]);
  });
});

describe('stats helpers', () => {
  it('sums a Prometheus counter and picks round axis ticks', async () => {
    const { axisTicks, counterTotal } = await import('../../ui/src/lib/stats.js');
    const text = '# HELP mailsim_faults_fired_total x\n# TYPE mailsim_faults_fired_total counter\nmailsim_faults_fired_total{scenario="a",source="rule",name="#1"} 2\nmailsim_faults_fired_total{scenario="b",source="one-shot",name="x"} 3\nmailsim_faults_fired_totals 99\n';
    expect(counterTotal(text, 'mailsim_faults_fired_total')).toBe(5);
    expect(counterTotal('# TYPE mailsim_faults_fired_total counter\n', 'mailsim_faults_fired_total')).toBeNull();
    expect(axisTicks(0)).toEqual([0, 1]);
    expect(axisTicks(1)).toEqual([0, 1]);
    expect(axisTicks(3)).toEqual([0, 5]);
    expect(axisTicks(7)).toEqual([0, 5, 10]);
    expect(axisTicks(120)).toEqual([0, 100, 200]);
  });
});
