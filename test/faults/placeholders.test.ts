import { describe, expect, it } from 'vitest';
import { rfc5322Date } from '../../server/faults/placeholders.js';
import { ctx, engine, session } from './helpers.js';

describe('placeholders', () => {
  const { engine: e, clock } = engine({ persona: { hostname: 'smtp.example.net' } });

  it('expands every placeholder from the context, the persona and the scenario clock', () => {
    const c = ctx('rcpt', { sender: 'me@shop.example', recipient: 'you@Example.COM', session: { id: 'sess-1', clientAddress: '::ffff:203.0.113.5', user: 'me' } });
    const text = '{id}|{clientIp}|{hostname}|{sender}|{recipient}|{recipientDomain}|{user}|{epoch}|{date}';
    expect(e.render(text, c)).toBe(`sess-1|203.0.113.5|smtp.example.net|me@shop.example|you@Example.COM|Example.COM|me|${Math.floor(clock.t / 1000)}|Sat, 21 Nov 2026 12:00:00 +0000`);
  });

  it('takes {queueId} and {seconds} (and overrides) from extra; leaves unknown or unset placeholders as written', () => {
    expect(e.render('250 2.0.0 OK {queueId} {seconds} {nope} {}', { session: session() }, { queueId: 'Q1' })).toBe('250 2.0.0 OK Q1 {seconds} {nope} {}');
    expect(e.render('{seconds}s {hostname}', { session: session() }, { seconds: '42', hostname: 'other' })).toBe('42s other');
  });

  it('works with a session only (banner, EHLO) and falls back to the default hostname', () => {
    const { engine: plain } = engine();
    expect(plain.render('{hostname} ESMTP {sender}{recipient}{recipientDomain} {clientIp}', { session: session() })).toBe('mailsim.test ESMTP  192.0.2.10');
  });

  it('uses the first recipient in the data phases', () => {
    expect(e.render('{recipient} {recipientDomain}', ctx('data-end', { recipients: ['a@one.org', 'b@two.org'] }))).toBe('a@one.org one.org');
  });

  it('follows the scenario clock', () => {
    const { engine: later, clock: c } = engine();
    c.advance(86_400_000 + 3_723_000);
    expect(later.render('{date} {epoch}', { session: session() })).toBe(`Sun, 22 Nov 2026 13:02:03 +0000 ${Math.floor(c.t / 1000)}`);
  });

  it('formats RFC 5322 dates with a numeric zone', () => {
    expect(rfc5322Date(Date.UTC(2026, 0, 5, 4, 3, 2))).toBe('Mon, 5 Jan 2026 04:03:02 +0000');
  });
});
