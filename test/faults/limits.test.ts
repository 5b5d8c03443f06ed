import { describe, expect, it } from 'vitest';
import type { TestEngine } from './helpers.js';
import { ctx, DAY, engine, HOUR, outcome, reply, session } from './helpers.js';

const message = (user: string, sender = 'a@shop.example') =>
  ctx('data-end', { sender, recipients: ['x@y.org'], message: { size: 100, headers: {} }, session: { user, id: `s-${user}` } });

/** Sends n messages through decide + delivered; returns how many were accepted. */
function send(e: TestEngine, n: number, make = () => message('a@b')): number {
  let accepted = 0;
  for (let i = 0; i < n; i++) {
    const m = make();
    if (outcome(e.decide(m)) === 'continue') {
      e.delivered(m);
      accepted += 1;
    }
  }
  return accepted;
}

describe('messages limit', () => {
  const daily = {
    name: 'daily-quota',
    kind: 'messages' as const,
    key: 'user' as const,
    max: 500,
    window: { fixed: '1d', resetAt: '23:00', timeZone: 'UTC' },
    reply: reply(550, 'Daily user sending limit exceeded. {seconds}s to go', '5.4.5'),
  };

  it("refuses the 501st message of the day and lets mail through again after 23:00 UTC (Odoo Online's reset)", () => {
    const { engine: e, clock } = engine({ limits: [daily] });
    expect(send(e, 500)).toBe(500);
    const refused = e.decide(message('a@b'));
    expect(outcome(refused)).toBe('550 5.4.5 Daily user sending limit exceeded. 39600s to go');
    expect(refused.fired).toEqual([
      { source: 'limit', name: 'daily-quota', phase: 'data-end', reason: "limit 'daily-quota': 501st message for user a@b (max 500, window resets 2026-11-21T23:00:00.000Z)",
        explanation: {
          cause: "The limit 'daily-quota' allows 500 messages per 1d window starting at 23:00 UTC for user a@b, and they are used up.",
          advice: 'Room comes back at 2026-11-21T23:00:00.000Z: wait until then, or send fewer and spread them out.',
        },
      },
    ]);
    expect(send(e, 3, () => message('other@b'))).toBe(3);
    clock.t = Date.UTC(2026, 10, 21, 22, 59, 59, 999);
    expect(send(e, 1)).toBe(0);
    clock.t = Date.UTC(2026, 10, 21, 23);
    expect(send(e, 501)).toBe(500);
  });

  it('only counts delivered messages', () => {
    const { engine: e } = engine({ limits: [{ ...daily, max: 1 }] });
    e.decide(message('a@b'));
    e.decide(message('a@b'));
    expect(outcome(e.decide(message('a@b')))).toBe('continue');
  });

  it('a message without the key (no AUTH user) counts under the fallback, the whole server by default, and says so', () => {
    const { engine: e } = engine({ limits: [{ ...daily, max: 2 }] });
    expect(send(e, 5, () => message(''))).toBe(2);
    const refused = e.decide(message(''));
    expect(refused.fired[0]?.reason).toMatch(/^limit 'daily-quota': 3rd message overall \(no AUTH user: key user falls back to global\) \(max 2, /);
    expect(e.delivered(message('a@b'))).toEqual(["limit 'daily-quota' counted the message for user a@b: 1 of 2"]);
    expect(e.delivered(message(''))).toEqual(["limit 'daily-quota' counted the message overall (no AUTH user: key user falls back to global): 3 of 2"]);
    const { engine: perClient } = engine({ limits: [{ ...daily, max: 1, fallback: 'client' }] });
    expect(send(perClient, 2, () => message(''))).toBe(1);
    expect(perClient.counters()).toMatchObject([{ key: '192.0.2.10', count: 1 }]);
  });

  it('checks at its phase (Gmail refuses in reply to DATA)', () => {
    const { engine: e } = engine({ limits: [{ ...daily, max: 1, phase: 'data-start' }] });
    e.delivered(message('a@b'));
    expect(outcome(e.decide(message('a@b')))).toBe('continue');
    expect(outcome(e.decide(ctx('data-start', { sender: 'a@b', recipients: ['x@y'], session: { user: 'a@b' } })))).toMatch(/^550/);
  });

  it.each([
    ['global', ['a@x.org', 'b@y.org'], 1],
    ['sender', ['a@x.org', 'A@X.ORG'], 1],
    ['sender', ['a@x.org', 'b@x.org'], 2],
    ['sender-domain', ['a@x.org', 'b@X.org'], 1],
    ['sender-domain', ['a@x.org', 'a@y.org'], 2],
  ] as const)('key %s: senders %j → %d accepted', (key, senders, expected) => {
    const { engine: e } = engine({ limits: [{ ...daily, key, max: 1 }] });
    expect(senders.filter((s) => send(e, 1, () => message('u', s)) === 1).length).toBe(expected);
  });

  it('key client: per client address, mapped addresses being the same client', () => {
    const { engine: e } = engine({ limits: [{ ...daily, key: 'client', max: 1 }] });
    const from = (clientAddress: string) => ctx('data-end', { sender: 'a@b', recipients: ['c@d'], message: { size: 1, headers: {} }, session: { clientAddress } });
    expect(send(e, 1, () => from('10.0.0.1'))).toBe(1);
    expect(send(e, 1, () => from('::ffff:10.0.0.1'))).toBe(0);
    expect(send(e, 1, () => from('10.0.0.2'))).toBe(1);
  });

  it('rolling window: a slot frees up when the oldest message is older than the window', () => {
    const { engine: e, clock } = engine({ limits: [{ name: 'rate', kind: 'messages', max: 2, window: { rolling: '1m' }, reply: reply(454, 'Throttling failure: Maximum sending rate exceeded.') }] });
    expect(send(e, 1)).toBe(1);
    clock.advance(30_000);
    expect(send(e, 2)).toBe(1);
    expect(e.decide(message('a@b')).fired[0]?.reason).toContain('oldest counted leaves the window 2026-11-21T12:01:00.000Z');
    clock.advance(29_999);
    expect(send(e, 1)).toBe(0);
    clock.advance(1);
    expect(send(e, 2)).toBe(1);
  });

  it('counters show count, window and next reset per key', () => {
    const { engine: e } = engine({ limits: [daily, { ...daily, name: 'all', key: 'global', max: 9 }] });
    send(e, 2);
    send(e, 1, () => message('z@b'));
    expect(e.counters()).toEqual([
      { limit: 'daily-quota', kind: 'messages', key: 'a@b', count: 2, max: 500, windowStart: Date.UTC(2026, 10, 20, 23), nextReset: Date.UTC(2026, 10, 21, 23) },
      { limit: 'daily-quota', kind: 'messages', key: 'z@b', count: 1, max: 500, windowStart: Date.UTC(2026, 10, 20, 23), nextReset: Date.UTC(2026, 10, 21, 23) },
      { limit: 'all', kind: 'messages', key: '*', count: 3, max: 9, windowStart: Date.UTC(2026, 10, 20, 23), nextReset: Date.UTC(2026, 10, 21, 23) },
    ]);
  });

  it('count: recipients counts every recipient of a stored message (Amazon SES quotas count recipients)', () => {
    const quota = { name: 'ses-daily', kind: 'messages' as const, count: 'recipients' as const, max: 5, window: { rolling: '24h' }, reply: reply(454, 'Throttling failure: Daily message quota exceeded.') };
    const { engine: e } = engine({ limits: [quota] });
    const to = (n: number) => ctx('data-end', { sender: 'a@b', recipients: Array.from({ length: n }, (_, i) => `r${i}@x.org`), message: { size: 1, headers: {} } });
    expect(send(e, 1, () => to(3))).toBe(1);
    expect(e.counters()).toMatchObject([{ key: '*', count: 3, max: 5 }]);
    const over = e.decide(to(3));
    expect(outcome(over)).toBe('454 Throttling failure: Daily message quota exceeded.');
    expect(over.fired[0]?.reason).toMatch(/^limit 'ses-daily': 3 recipients would make 6 overall \(max 5/);
    expect(send(e, 1, () => to(2))).toBe(1);
    expect(send(e, 1, () => to(1))).toBe(0);
  });

  it('count: recipients at RCPT refuses the recipient that would pass the quota', () => {
    const { engine: e } = engine({ limits: [{ name: 'q', kind: 'messages', count: 'recipients', phase: 'rcpt', max: 2, window: { rolling: '1h' }, reply: reply(454, 'quota') }] });
    const rcpt = (n: number) => e.decide(ctx('rcpt', { sender: 'a@b', recipient: `r${n}@x`, recipients: Array.from({ length: n }, (_, i) => `r${i}@x`) }));
    expect(outcome(rcpt(0))).toBe('continue');
    expect(outcome(rcpt(1))).toBe('continue');
    expect(outcome(rcpt(2))).toBe('454 quota');
  });

  it('count: recipients with phase mail is refused at validation (no recipient is known at MAIL)', () => {
    expect(() => engine({ limits: [{ name: 'q', kind: 'messages', count: 'recipients', phase: 'mail', max: 2, window: { rolling: '1h' }, reply: reply(454, 'quota') }] })).toThrow(
      /count: recipients cannot be checked at phase mail/,
    );
  });

  it('a global limit is listed before anything was sent', () => {
    const { engine: e } = engine({ limits: [{ ...daily, key: 'global' }] });
    expect(e.counters()).toMatchObject([{ key: '*', count: 0 }]);
  });
});

describe('recipients limit', () => {
  it('refuses the RCPT past max (RFC 5321 §4.5.3.1.10: 452)', () => {
    const { engine: e } = engine({ limits: [{ name: 'max-rcpt', kind: 'recipients', max: 2, reply: reply(452, 'Error: too many recipients', '4.5.3') }] });
    const rcpt = (n: number) => e.decide(ctx('rcpt', { sender: 'a@b', recipient: `r${n}@x`, recipients: Array.from({ length: n }, (_, i) => `r${i}@x`) }));
    expect(outcome(rcpt(0))).toBe('continue');
    expect(outcome(rcpt(1))).toBe('continue');
    const third = rcpt(2);
    expect(outcome(third)).toBe('452 4.5.3 Error: too many recipients');
    expect(third.fired[0]?.reason).toBe("limit 'max-rcpt': recipient 3 of one message (max 2)");
    expect(e.counters()).toEqual([]);
  });
});

describe('concurrent limit', () => {
  it('refuses a third connection from the same client at connect, until one closes', () => {
    const { engine: e } = engine({ limits: [{ name: 'conc', kind: 'concurrent', max: 2, reply: reply(421, 'Too many concurrent SMTP connections') }] });
    expect(outcome(e.sessionOpened(session({ id: 'a' })))).toBe('continue');
    expect(outcome(e.sessionOpened(session({ id: 'b', clientAddress: '::ffff:192.0.2.10' })))).toBe('continue');
    expect(outcome(e.sessionOpened(session({ id: 'c', clientAddress: '198.51.100.1' })))).toBe('continue');
    const refused = e.sessionOpened(session({ id: 'd' }));
    expect(outcome(refused)).toBe('421 Too many concurrent SMTP connections');
    expect(refused.fired[0]?.reason).toBe("limit 'conc': 2 other sessions open for client 192.0.2.10 (max 2)");
    e.sessionClosed('d');
    e.sessionClosed('a');
    expect(outcome(e.sessionOpened(session({ id: 'e' })))).toBe('continue');
    expect(e.counters()).toEqual([
      { limit: 'conc', kind: 'concurrent', key: '192.0.2.10', count: 2, max: 2, windowStart: null, nextReset: null },
      { limit: 'conc', kind: 'concurrent', key: '198.51.100.1', count: 1, max: 2, windowStart: null, nextReset: null },
    ]);
  });

  it('per user at the end of DATA, counting sessions once they authenticated (Microsoft 365 432 4.3.2)', () => {
    const { engine: e } = engine({
      limits: [{ name: 'm365', kind: 'concurrent', key: 'user', max: 1, phase: 'data-end', reply: reply(432, 'Concurrent connections limit exceeded.', '4.3.2') }],
    });
    const s1 = session({ id: 's1', user: 'u@x' });
    const s2 = session({ id: 's2', user: 'u@x', clientAddress: '203.0.113.5' });
    e.sessionOpened(session({ id: 's1' }));
    e.sessionOpened(session({ id: 's2', clientAddress: '203.0.113.5' }));
    const end = (s: typeof s1) => e.decide({ phase: 'data-end', session: s, sender: 'u@x', recipients: ['r@y'], message: { size: 1, headers: {} } });
    e.sessionAuthenticated(s1);
    expect(outcome(end(s1))).toBe('continue');
    e.sessionAuthenticated(s2);
    expect(outcome(end(s2))).toBe('432 4.3.2 Concurrent connections limit exceeded.');
    // Only the connection over the limit is refused; the one that was open first goes on.
    expect(outcome(end(s1))).toBe('continue');
    expect(outcome(e.decide({ phase: 'mail', session: s2, sender: 'u@x', recipients: [] }))).toBe('continue');
    e.sessionClosed('s1');
    expect(outcome(end(s2))).toBe('continue');
  });

  it('global key, and per sender from the MAIL FROM each session last gave', () => {
    const { engine: e } = engine({
      limits: [
        { name: 'all', kind: 'concurrent', key: 'global', max: 1, reply: reply(421, 'busy') },
        { name: 'per-sender', kind: 'concurrent', key: 'sender', max: 1, phase: 'mail', reply: reply(451, 'sender busy') },
      ],
    });
    expect(e.counters()).toMatchObject([{ limit: 'all', key: '*', count: 0 }]);
    expect(outcome(e.sessionOpened(session({ id: 'a' })))).toBe('continue');
    expect(outcome(e.sessionOpened(session({ id: 'b', clientAddress: '10.9.9.9' })))).toBe('421 busy');
    expect(outcome(e.decide(ctx('mail', { sender: 'x@y', session: { id: 'a' } })))).toBe('continue');
    expect(outcome(e.decide(ctx('mail', { sender: 'X@Y', session: { id: 'b' } })))).toBe('451 sender busy');
  });
});

describe('connections limit', () => {
  it('counts every attempt per client per window, refusing once the count reached max', () => {
    const { engine: e, clock } = engine({
      limits: [{ name: 'rate', kind: 'connections', max: 2, window: { fixed: '1m', timeZone: 'UTC' }, reply: reply(421, '{hostname} Error: too many connections from {clientIp}', '4.7.0') }],
    });
    const open = (id: string, clientAddress = '192.0.2.10') => outcome(e.sessionOpened(session({ id, clientAddress })));
    expect([open('1'), open('2')]).toEqual(['continue', 'continue']);
    expect(open('3')).toBe('421 4.7.0 mailsim.test Error: too many connections from 192.0.2.10');
    expect(open('4', '::ffff:192.0.2.10')).toMatch(/^421/);
    expect(open('5', '192.0.2.11')).toBe('continue');
    expect(e.counters()).toEqual([
      { limit: 'rate', kind: 'connections', key: '192.0.2.10', count: 4, max: 2, windowStart: Date.UTC(2026, 10, 21, 12), nextReset: Date.UTC(2026, 10, 21, 12, 1) },
      { limit: 'rate', kind: 'connections', key: '192.0.2.11', count: 1, max: 2, windowStart: Date.UTC(2026, 10, 21, 12), nextReset: Date.UTC(2026, 10, 21, 12, 1) },
    ]);
    clock.advance(60_000);
    expect(open('6')).toBe('continue');
  });

  it('a refused attempt still counts, even when a rule settled the connect decision', () => {
    const { engine: e } = engine({
      rules: [{ name: 'ok', when: { phase: 'connect', client: '10.0.0.0/8' }, action: { accept: true } }],
      limits: [{ name: 'rate', kind: 'connections', key: 'global', max: 1, window: { rolling: '1h' }, reply: reply(421, 'slow down') }],
    });
    expect(outcome(e.sessionOpened(session({ id: '1', clientAddress: '10.0.0.1' })))).toBe('continue');
    expect(outcome(e.sessionOpened(session({ id: '2' })))).toBe('421 slow down');
    expect(e.counters()[0]?.count).toBe(2);
  });
});

describe('greylist', () => {
  const postgrey = {
    name: 'greylist',
    kind: 'greylist' as const,
    reply: reply(450, '<{recipient}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{recipientDomain}.html ({seconds}s)', '4.2.0'),
  };
  const rcpt = (recipient: string, clientAddress = '192.0.2.10', sender = 'a@shop.example') => ctx('rcpt', { sender, recipient, session: { clientAddress } });

  it('defers a new triple, again while it is too young, then lets it through for good', () => {
    const { engine: e, clock } = engine({ limits: [postgrey] });
    const first = e.decide(rcpt('user@example.com'));
    expect(outcome(first)).toBe('450 4.2.0 <user@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html (300s)');
    expect(first.fired[0]?.reason).toBe("limit 'greylist': first attempt for 192.0.2.0/24 <a@shop.example> <user@example.com>, 300s left of the greylisting delay");
    clock.advance(100_500);
    const early = e.decide(rcpt('user@example.com'));
    expect(outcome(early)).toContain('(200s)');
    expect(early.fired[0]?.reason).toContain('retry too early (attempt 2)');
    clock.advance(199_500);
    expect(outcome(e.decide(rcpt('USER@example.com', '192.0.2.77', 'A@shop.example')))).toBe('continue');
    clock.advance(30 * DAY);
    expect(outcome(e.decide(rcpt('user@example.com')))).toBe('continue');
  });

  it('keeps triples apart by recipient, sender and client network', () => {
    const { engine: e, clock } = engine({ limits: [{ ...postgrey, delay: '60s', clientPrefix: 16 }] });
    e.decide(rcpt('a@x.org'));
    clock.advance(60_000);
    expect(outcome(e.decide(rcpt('a@x.org', '192.0.99.1')))).toBe('continue');
    expect(outcome(e.decide(rcpt('a@x.org', '192.1.0.1')))).toMatch(/^450/);
    expect(outcome(e.decide(rcpt('b@x.org')))).toMatch(/^450/);
    expect(outcome(e.decide(rcpt('a@x.org', '192.0.2.10', 'other@shop.example')))).toMatch(/^450/);
    expect(outcome(e.decide(rcpt('a@x.org', '2001:db8::1')))).toMatch(/^450/);
    clock.advance(60_000);
    expect(outcome(e.decide(rcpt('a@x.org', '2001:DB8:0::1')))).toBe('continue');
    expect(outcome(e.decide(rcpt('a@x.org', '2001:db8::2')))).toMatch(/^450/);
  });

  it('forgets a passed triple after `forget` without traffic', () => {
    const { engine: e, clock } = engine({ limits: [{ ...postgrey, delay: '5m', forget: '1d' }] });
    e.decide(rcpt('a@x.org'));
    clock.advance(5 * 60_000);
    expect(outcome(e.decide(rcpt('a@x.org')))).toBe('continue');
    clock.advance(DAY - 1);
    expect(outcome(e.decide(rcpt('a@x.org')))).toBe('continue');
    clock.advance(DAY);
    expect(outcome(e.decide(rcpt('a@x.org')))).toMatch(/^450.*\(300s\)$/);
  });

  it('lists remembered triples in counters, and forgets them on reset', () => {
    const { engine: e, clock } = engine({ limits: [postgrey] });
    const t = clock.t;
    e.decide(rcpt('a@x.org'));
    e.decide(rcpt('a@x.org'));
    expect(e.counters()).toEqual([
      { limit: 'greylist', kind: 'greylist', key: '192.0.2.0/24 <a@shop.example> <a@x.org>', count: 2, max: 0, windowStart: t, nextReset: t + 300_000 },
    ]);
    clock.advance(HOUR);
    e.decide(rcpt('a@x.org'));
    expect(e.counters()[0]?.nextReset).toBe(t + HOUR + 35 * DAY);
    e.reset();
    expect(e.counters()).toEqual([]);
    expect(outcome(e.decide(rcpt('a@x.org')))).toMatch(/^450/);
  });

  it('only acts at rcpt', () => {
    const { engine: e } = engine({ limits: [postgrey] });
    expect(outcome(e.decide(ctx('mail', { sender: 'a@b' })))).toBe('continue');
    expect(outcome(e.decide(ctx('data-end', { sender: 'a@b', recipients: ['c@d'], message: { size: 1, headers: {} } })))).toBe('continue');
  });
});

describe('status catalogue (a refusal with no explain of its own)', () => {
  it.each([
    [550, '5.4.5', "The mail system is congested (Gmail uses 5.4.5 for its daily sending limit) (550 5.4.5).", /^Do not retry unchanged/],
    [554, '5.7.1', 'The sender is not authorised to send this message here (a policy decision of the server) (554 5.7.1).', /^Do not retry unchanged/],
    [534, '5.7.9', 'The authentication mechanism is too weak for this account (Gmail: an app password is required for an account with 2-step verification) (534 5.7.9).', /^Fix the mailer settings/],
    [421, undefined, 'The server is closing the connection (service not available now) (421).', /^A temporary refusal.*reconnect/],
    [450, '4.2.0', "The recipient's mailbox cannot take the message for now (postgrey greylisting answers 450 4.2.0) (450 4.2.0).", /^A temporary refusal/],
  ] as const)('%d %s: explained by its code, never beyond it', async (code, enhanced, cause, advice) => {
    const { catalogueExplanation } = await import('../../server/faults/status-catalogue.js');
    const explanation = catalogueExplanation({ code, enhanced });
    expect(explanation?.cause).toBe(cause);
    expect(explanation?.advice).toMatch(advice);
    expect(explanation?.cause).not.toMatch(/SPF|DKIM|does not exist/);
  });
});
