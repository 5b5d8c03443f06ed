import { describe, expect, it } from 'vitest';
import { boundedValues, fromAddresses, headerValues, compileWhen, HEADER_MATCH_CHARS } from '../../server/faults/when.js';
import { whenSchema, type When } from '../../server/faults/schema.js';
import { ctx } from './helpers.js';

const when = (input: Record<string, unknown>): When => whenSchema.parse(input);
const matches = (w: Record<string, unknown>, c: ReturnType<typeof ctx>) => compileWhen(when(w))(c);

describe('compileWhen', () => {
  it('requires the phase', () => {
    expect(matches({ phase: 'rcpt' }, ctx('rcpt', { recipient: 'a@b' }))).toBe(true);
    expect(matches({ phase: 'rcpt' }, ctx('mail', { sender: 'a@b' }))).toBe(false);
  });

  it('sender: the MAIL FROM address, the null sender included', () => {
    expect(matches({ phase: 'mail', sender: '*@shop.example' }, ctx('mail', { sender: 'orders@SHOP.example' }))).toBe(true);
    expect(matches({ phase: 'mail', sender: '*@shop.example' }, ctx('mail', { sender: 'x@other.example' }))).toBe(false);
    expect(matches({ phase: 'mail', sender: '*' }, ctx('mail', { sender: '' }))).toBe(true);
    expect(matches({ phase: 'mail', sender: '*' }, ctx('mail'))).toBe(false);
  });

  it('recipient: the RCPT being decided at rcpt, any recipient in the data phases', () => {
    const w = { phase: 'rcpt', recipient: 'b@x.org' };
    expect(matches(w, ctx('rcpt', { recipient: 'b@x.org', recipients: ['a@x.org'] }))).toBe(true);
    expect(matches(w, ctx('rcpt', { recipient: 'c@x.org', recipients: ['b@x.org'] }))).toBe(false);
    const data = { phase: 'data-end', recipient: 'b@x.org' };
    expect(matches(data, ctx('data-end', { recipients: ['a@x.org', 'B@x.org'] }))).toBe(true);
    expect(matches(data, ctx('data-end', { recipients: ['a@x.org'] }))).toBe(false);
    expect(matches({ phase: 'data-start', recipient: '*@x.org' }, ctx('data-start', { recipients: ['q@x.org'] }))).toBe(true);
  });

  it('user: only an authenticated user', () => {
    expect(matches({ phase: 'mail', user: 'alice*' }, ctx('mail', { session: { user: 'alice@x' } }))).toBe(true);
    expect(matches({ phase: 'mail', user: '*' }, ctx('mail'))).toBe(false);
    // At AUTH, the user logging in (the session has none yet).
    expect(matches({ phase: 'auth', user: 'alice*' }, ctx('auth', { auth: { mechanism: 'PLAIN', user: 'alice@x', password: 'p' } }))).toBe(true);
    expect(matches({ phase: 'auth', user: { not: 'apikey' } }, ctx('auth', { auth: { mechanism: 'PLAIN', user: 'apikey', password: 'p' } }))).toBe(false);
  });

  it('client: CIDR and mapped addresses', () => {
    expect(matches({ phase: 'connect', client: '192.0.2.0/24' }, ctx('connect', { session: { clientAddress: '::ffff:192.0.2.99' } }))).toBe(true);
    expect(matches({ phase: 'connect', client: '192.0.2.0/24' }, ctx('connect', { session: { clientAddress: '198.51.100.1' } }))).toBe(false);
  });

  it('helo', () => {
    expect(matches({ phase: 'helo', helo: 'localhost' }, ctx('helo', { session: { helo: 'LOCALHOST' } }))).toBe(true);
    expect(matches({ phase: 'helo', helo: '*' }, ctx('helo', { session: { helo: '' } }))).toBe(false);
  });

  it('subject and header: data-end only, header names case-insensitive', () => {
    const message = { size: 100, headers: { Subject: ['Invoice 42'], 'x-odoo-message-id': ['<1@odoo>'] } };
    expect(matches({ phase: 'data-end', subject: 'invoice*' }, ctx('data-end', { message }))).toBe(true);
    expect(matches({ phase: 'data-end', subject: 'receipt*' }, ctx('data-end', { message }))).toBe(false);
    expect(matches({ phase: 'data-end', header: { name: 'X-Odoo-Message-Id' } }, ctx('data-end', { message }))).toBe(true);
    expect(matches({ phase: 'data-end', header: { name: 'X-Odoo-Message-Id', value: { regex: '@odoo>$' } } }, ctx('data-end', { message }))).toBe(true);
    expect(matches({ phase: 'data-end', header: { name: 'X-Odoo-Message-Id', value: '<2@*' } }, ctx('data-end', { message }))).toBe(false);
    expect(matches({ phase: 'data-end', header: { name: 'X-Mailer' } }, ctx('data-end', { message }))).toBe(false);
    expect(matches({ phase: 'data-start', subject: '*' }, ctx('data-start'))).toBe(false);
    expect(headerValues({ subject: ['a'], SUBJECT: ['b'] }, 'Subject')).toEqual(['a', 'b']);
  });

  it('size: received size at data-end, SIZE= at mail, bounds inclusive', () => {
    const w = { phase: 'data-end', size: { min: 100, max: 200 } };
    expect(matches(w, ctx('data-end', { message: { size: 100, headers: {} } }))).toBe(true);
    expect(matches(w, ctx('data-end', { message: { size: 200, headers: {} } }))).toBe(true);
    expect(matches(w, ctx('data-end', { message: { size: 201, headers: {} } }))).toBe(false);
    expect(matches({ phase: 'mail', size: { min: 1000 } }, ctx('mail', { sender: 'a@b', announcedSize: 5000 }))).toBe(true);
    expect(matches({ phase: 'mail', size: { min: 1000 } }, ctx('mail', { sender: 'a@b' }))).toBe(false);
  });

  it('authenticated and secure', () => {
    expect(matches({ phase: 'mail', authenticated: true }, ctx('mail', { session: { user: 'u' } }))).toBe(true);
    expect(matches({ phase: 'mail', authenticated: true }, ctx('mail'))).toBe(false);
    expect(matches({ phase: 'mail', authenticated: false }, ctx('mail'))).toBe(true);
    expect(matches({ phase: 'mail', secure: true }, ctx('mail', { session: { secure: true } }))).toBe(true);
    expect(matches({ phase: 'mail', secure: false }, ctx('mail', { session: { secure: true } }))).toBe(false);
  });

  it('requires every given matcher', () => {
    const w = { phase: 'rcpt', sender: '*@a.org', recipient: '*@b.org', secure: true };
    expect(matches(w, ctx('rcpt', { sender: 'x@a.org', recipient: 'y@b.org', session: { secure: true } }))).toBe(true);
    expect(matches(w, ctx('rcpt', { sender: 'x@a.org', recipient: 'y@b.org', session: { secure: false } }))).toBe(false);
    expect(matches(w, ctx('rcpt', { sender: 'x@c.org', recipient: 'y@b.org', session: { secure: true } }))).toBe(false);
  });
});

describe('header facts are bounded', () => {
  it('subject and header matchers read 16 KiB of a header, in order', () => {
    expect(boundedValues(['a', 'b'])).toEqual(['a', 'b']);
    const long = 'x'.repeat(HEADER_MATCH_CHARS + 10);
    expect(boundedValues([long, 'late'])).toEqual([long.slice(0, HEADER_MATCH_CHARS)]);
    expect(boundedValues(Array.from({ length: 10_000 }, () => 'y'.repeat(100)))).toHaveLength(Math.ceil(HEADER_MATCH_CHARS / 100));
    const late = { Subject: [long, 'match me'] };
    expect(matches({ phase: 'data-end', subject: '*match me*' }, ctx('data-end', { message: { size: 1, headers: late } }))).toBe(false);
  });

  it('from reads at most 100 addresses within 16 KiB, over all From headers', () => {
    const many = Array.from({ length: 300 }, (_, i) => `u${i}@x.example`);
    const headers = { From: [many.slice(0, 50).join(', '), many.slice(50).join(', ')] };
    const found = fromAddresses(ctx('data-end', { message: { size: 1, headers } }));
    expect(found).toHaveLength(100);
    expect(found.at(-1)).toBe('u99@x.example');
    // 1,001-character addresses, one per From header: 16 fit in 16 KiB, the 17th is cut and left out.
    const spread = { From: Array.from({ length: 2_000 }, (_, i) => `${'p'.repeat(990)}${i}@x.example`) };
    expect(fromAddresses(ctx('data-end', { message: { size: 1, headers: spread } }))).toHaveLength(16);
  });
});
