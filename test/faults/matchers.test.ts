import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../server/faults/glob.js';
import { clientNetwork, formatIPv6, normaliseAddress, parseCidr, parseIPv4, parseIPv6 } from '../../server/faults/ip-address.js';
import { compileClientMatchers, compileMatchers } from '../../server/faults/matcher.js';
import { regexProblem } from '../../server/faults/regex.js';

describe('globs', () => {
  it.each([
    ['*@example.com', 'a@example.com', true],
    ['*@example.com', 'A@EXAMPLE.COM', true],
    ['*@example.com', 'a@example.com.evil', false],
    ['*@example.com', 'x@sub.example.org', false],
    ['user?@x.org', 'user1@x.org', true],
    ['user?@x.org', 'user12@x.org', false],
    ['user?@x.org', 'user@x.org', false],
    ['a.b', 'axb', false],
    ['a+b(c)[d]{e}|$^\\', 'a+b(c)[d]{e}|$^\\', true],
    ['*', '', true],
    ['bounce-*', 'bounce-', true],
    ['é*', 'Équipe', true],
    ['a?c', 'a\nc', true],
  ])('%s ~ %s → %s', (glob, value, expected) => {
    expect(compileGlob(glob).test(value)).toBe(expected);
  });

  it('matches a glob of many stars in linear time (a backtracking RegExp takes minutes here)', () => {
    expect(compileGlob(`${'*a'.repeat(40)}*b`).test('a'.repeat(20_000))).toBe(false);
  });
});

describe('regexes on RE2', () => {
  it('answers catastrophic patterns at once: ^(a+)+$ and ^(a|aa)+$ never backtrack', () => {
    expect(compileMatchers({ regex: '^(a+)+$', flags: 'i' })(`${'a'.repeat(30)}!`)).toBe(false);
    expect(compileMatchers({ regex: '^(a|aa)+$', flags: 'i' })(`${'a'.repeat(61)}!`)).toBe(false);
    expect(compileMatchers({ regex: '^(a|aa)+$', flags: 'i' })('a'.repeat(61))).toBe(true);
  });

  it('maps the flags i, m, s and u', () => {
    expect(compileMatchers({ regex: '^b$', flags: '' })('a\nb')).toBe(false);
    expect(compileMatchers({ regex: '^b$', flags: 'm' })('a\nb')).toBe(true);
    expect(compileMatchers({ regex: 'a.b', flags: '' })('a\nb')).toBe(false);
    expect(compileMatchers({ regex: 'a.b', flags: 's' })('a\nb')).toBe(true);
    expect(compileMatchers({ regex: '^.$', flags: 'u' })('😀')).toBe(true);
    expect(compileMatchers({ regex: '^ÉTÉ$', flags: 'i' })('été')).toBe(true);
  });

  it('refuses what RE2 cannot match in linear time, and says why', () => {
    expect(regexProblem('(a)\\1')).toBe('backreferences are not supported (mailsim matches regexes in linear time with RE2 syntax)');
    expect(regexProblem('(?<n>a)\\k<n>')).toMatch(/^backreferences are not supported/);
    expect(regexProblem('foo(?=bar)')).toBe('lookahead and lookbehind are not supported (mailsim matches regexes in linear time with RE2 syntax)');
    expect(regexProblem('(?<!x)y')).toMatch(/^lookahead and lookbehind are not supported/);
    expect(regexProblem('(')).toBe('not a valid RE2 regex: missing closing ): `(` (mailsim matches regexes in linear time with RE2 syntax)');
    expect(regexProblem('^SG\\.[A-Za-z0-9_-]+$', '')).toBeUndefined();
    expect(regexProblem('\\pL{998}')).toBeUndefined();
    expect(regexProblem('\\pL{999}x')).toBe('too large for a matcher: 1002 RE2 instructions, at most 1000 (use a list of smaller matchers, or fewer counted repeats)');
    expect(compileGlob(`${'x'.repeat(5000)}*`).test(`${'x'.repeat(5000)}y`)).toBe(true);
    expect(() => compileMatchers({ regex: '(a)\\1', flags: 'i' })).toThrow(SyntaxError);
  });
});

describe('compileMatchers', () => {
  it('matches regexes unanchored, case-insensitive by default', () => {
    expect(compileMatchers({ regex: '^bounce\\+', flags: 'i' })('Bounce+1@x.org')).toBe(true);
    expect(compileMatchers({ regex: 'spam', flags: 'i' })('no SPAM here')).toBe(true);
    expect(compileMatchers({ regex: 'spam', flags: '' })('no SPAM here')).toBe(false);
  });

  it('uses the default flag when flags are absent (a When built without zod)', () => {
    expect(compileMatchers({ regex: 'abc' } as never)('ABC')).toBe(true);
  });

  it('matches a list if any item matches', () => {
    const test = compileMatchers(['*@a.org', { regex: '^admin@', flags: 'i' }]);
    expect(test('x@a.org')).toBe(true);
    expect(test('admin@b.org')).toBe(true);
    expect(test('x@b.org')).toBe(false);
  });

  it('gives the same answer on repeated calls (no lastIndex state)', () => {
    const test = compileMatchers({ regex: 'x', flags: 'i' });
    expect([test('x'), test('x'), test('x')]).toEqual([true, true, true]);
  });
});

describe('client matchers', () => {
  it('understands IPv4 CIDR blocks', () => {
    const test = compileClientMatchers('10.0.0.0/8');
    expect(test('10.255.1.2')).toBe(true);
    expect(test('11.0.0.1')).toBe(false);
    expect(compileClientMatchers('192.0.2.128/25')('192.0.2.127')).toBe(false);
    expect(compileClientMatchers('192.0.2.128/25')('192.0.2.200')).toBe(true);
    expect(compileClientMatchers('0.0.0.0/0')('203.0.113.9')).toBe(true);
    expect(compileClientMatchers('192.0.2.10/32')('192.0.2.10')).toBe(true);
    expect(compileClientMatchers('192.0.2.10/32')('192.0.2.11')).toBe(false);
  });

  it('normalises IPv4-mapped IPv6 client addresses', () => {
    expect(compileClientMatchers('10.0.0.0/8')('::ffff:10.1.2.3')).toBe(true);
    expect(compileClientMatchers('127.0.0.*')('::FFFF:127.0.0.1')).toBe(true);
    expect(compileClientMatchers('::ffff:127.0.0.*')('127.0.0.1')).toBe(true);
    expect(compileClientMatchers('::ffff:10.0.0.0/104')('10.9.9.9')).toBe(true);
    expect(compileClientMatchers('::ffff:10.0.0.0/104')('11.9.9.9')).toBe(false);
  });

  it('understands IPv6 CIDR blocks and exact IPv6 addresses', () => {
    expect(compileClientMatchers('2001:db8::/32')('2001:DB8:1::5')).toBe(true);
    expect(compileClientMatchers('2001:db8::/32')('2001:db9::5')).toBe(false);
    expect(compileClientMatchers('::1/128')('::1')).toBe(true);
    expect(compileClientMatchers('::1')('::1')).toBe(true);
    expect(compileClientMatchers('fe80::/10')('fe80::1%eth0')).toBe(true);
  });

  it('falls back to globs and regexes', () => {
    expect(compileClientMatchers('192.0.2.*')('192.0.2.77')).toBe(true);
    expect(compileClientMatchers({ regex: '^192\\.0\\.2\\.', flags: 'i' })('::ffff:192.0.2.1')).toBe(true);
    expect(compileClientMatchers(['10.0.0.0/8', '127.*'])('127.0.0.1')).toBe(true);
  });
});

describe('ip-address helpers', () => {
  it('parses and normalises', () => {
    expect(parseIPv4('192.0.2.1')).toBe(0xc0000201);
    expect(parseIPv4('256.0.0.1')).toBeUndefined();
    expect(parseIPv4('1.2.3')).toBeUndefined();
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('::ffff:1.2.3.4')).toBe(0xffff01020304n);
    expect(parseIPv6('1::2::3')).toBeUndefined();
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toBe(0x00010002000300040005000600070008n);
    expect(normaliseAddress(' [::FFFF:192.0.2.1] ')).toBe('192.0.2.1');
    expect(normaliseAddress('fe80::1%lo0')).toBe('fe80::1');
    expect(parseCidr('not-a-cidr')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });

  it('formats IPv6 the RFC 5952 way', () => {
    expect(formatIPv6(parseIPv6('2001:0DB8:0000:0000:0000:0000:0000:0001')!)).toBe('2001:db8::1');
    expect(formatIPv6(parseIPv6('2001:db8:0:1:0:0:0:1')!)).toBe('2001:db8:0:1::1');
    expect(formatIPv6(parseIPv6('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIPv6(0n)).toBe('::');
  });

  it('reduces a client to its greylisting network', () => {
    expect(clientNetwork('192.0.2.77', 24)).toBe('192.0.2.0/24');
    expect(clientNetwork('::ffff:192.0.2.77', 16)).toBe('192.0.0.0/16');
    expect(clientNetwork('192.0.2.77', 32)).toBe('192.0.2.77/32');
    expect(clientNetwork('2001:DB8:0:0::7', 24)).toBe('2001:db8::7');
  });
});
