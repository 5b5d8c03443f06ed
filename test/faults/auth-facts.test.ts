import dns from 'node:dns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseScenario } from '../../server/scenarios/parse.js';
import { parseDnsFile } from '../../server/scenarios/dns-file.js';
import { compileWhen } from '../../server/faults/when.js';
import { whenSchema } from '../../server/faults/schema.js';
import type { FaultContext } from '../../server/faults/context.js';
import { declaredResolver } from '../../server/auth-checks/declared-resolver.js';
import { bestPractice } from '../../server/auth-checks/best-practice.js';
import { dnsRecordsSchema } from '../../server/faults/dns-schema.js';

const ctx = (authResults?: FaultContext['authResults']): FaultContext => ({
  phase: 'data-end',
  session: { id: 's', clientAddress: '127.0.0.1', clientPort: 1, helo: 'h', user: '', secure: false, delivered: 0 },
  recipients: ['a@b'],
  ...(authResults && { authResults }),
});

describe('auth facts in rules', () => {
  it('matches one result, a list, or {not: ...}; a message not checked matches nothing', () => {
    const fail = compileWhen(whenSchema.parse({ phase: 'data-end', auth: { dmarc: 'fail' } }));
    const unauthenticated = compileWhen(whenSchema.parse({ phase: 'data-end', auth: { dkim: { not: 'pass' }, spf: ['fail', 'softfail', 'none'] } }));
    expect(fail(ctx({ dkim: 'pass', spf: 'pass', dmarc: 'fail' }))).toBe(true);
    expect(fail(ctx({ dkim: 'pass', spf: 'pass', dmarc: 'pass' }))).toBe(false);
    expect(fail(ctx())).toBe(false);
    expect(unauthenticated(ctx({ dkim: 'none', spf: 'softfail', dmarc: 'none' }))).toBe(true);
    expect(unauthenticated(ctx({ dkim: 'pass', spf: 'softfail', dmarc: 'none' }))).toBe(false);
  });

  it.each([
    ['a result the method does not have', 'rules:\n  - when: { phase: data-end, auth: { dkim: softfail } }\n    action: { reply: { code: 550 } }\n', 'rules.0.when.auth.dkim', '"softfail" is not a DKIM result; RFC 8601 names none, pass, fail, policy, neutral, temperror, permerror'],
    ['a method mailsim does not check', 'rules:\n  - when: { phase: data-end, auth: { bimi: pass } }\n    action: { reply: { code: 550 } }\n', 'rules.0.when.auth.bimi', 'unknown field "bimi"'],
    ['no method at all', 'rules:\n  - when: { phase: data-end, auth: {} }\n    action: { reply: { code: 550 } }\n', 'rules.0.when.auth', 'name at least one of dkim, spf, dmarc'],
    ['a phase before the message', 'rules:\n  - when: { phase: rcpt, auth: { spf: fail } }\n    action: { reply: { code: 550 } }\n', 'rules.0.when.auth', 'DKIM, SPF and DMARC results are only known at data-end (they need the message); this rule (phase rcpt) can never match it'],
    ['a limit counted before the message', 'limits:\n  - { name: q, kind: messages, max: 1, window: { rolling: 1d }, phase: rcpt, match: { auth: { dmarc: fail } }, reply: { code: 421 } }\n', 'limits.0.match.auth', 'DKIM, SPF and DMARC results are only known at data-end: use kind messages with phase data-end'],
  ])('refuses %s, naming the field', (_what, text, field, message) => {
    const result = parseScenario(text, 'my.yaml');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({ File: 'my.yaml', Field: field, Message: message });
  });

  it('takes dns: in a scenario, MX as "PRIORITY HOST" or an object, names case-insensitively', () => {
    const result = parseScenario('dns:\n  Example.COM.:\n    TXT: ["v=spf1 mx -all", ["v=DKIM1; ", "p=abc"]]\n    MX: ["10 MX.example.com", { priority: 20, exchange: mx2.example.com }]\n', 'my.yaml');
    expect(result.ok && result.scenario.dns).toEqual({
      'Example.COM.': { TXT: ['v=spf1 mx -all', ['v=DKIM1; ', 'p=abc']], MX: [{ priority: 10, exchange: 'mx.example.com' }, { priority: 20, exchange: 'mx2.example.com' }] },
    });
    expect(parseDnsFile('example.com:\n  A: 300.1.1.1\n', 'dns.yaml')).toEqual({ ok: false, error: { File: 'dns.yaml', Line: 2, Column: 6, Field: 'example.com.A', Message: 'an IPv4 address' } });
    expect(parseDnsFile('"bad name!":\n  A: 127.0.0.1\n', 'dns.yaml')).toMatchObject({ ok: false, error: { Line: 2, Field: 'bad name!', Message: '"bad name!" is not a DNS name (such as example.com or sel._domainkey.example.com)' } });
  });
});

describe('the declared resolver', () => {
  afterEach(() => vi.restoreAllMocks());

  it('answers from the records, NXDOMAIN/NODATA otherwise, and never asks node:dns', async () => {
    const resolve = vi.spyOn(dns.promises, 'resolve');
    const resolveTxt = vi.spyOn(dns.promises, 'resolveTxt');
    const records = dnsRecordsSchema.parse({ 'example.com': { TXT: 'v=spf1 -all', A: '192.0.2.1' } });
    const { resolve: lookup, lookups } = declaredResolver(records);
    expect(await lookup('EXAMPLE.com.', 'TXT')).toEqual([['v=spf1 -all']]);
    expect(await lookup('example.com', 'A')).toEqual(['192.0.2.1']);
    await expect(lookup('example.com', 'MX')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(lookup('_dmarc.nowhere.test', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(lookups.map((l) => [l.Name, l.Type, l.Source])).toEqual([
      ['example.com', 'TXT', 'declared'],
      ['example.com', 'A', 'declared'],
      ['example.com', 'MX', 'declared'],
      ['_dmarc.nowhere.test', 'TXT', 'missing'],
    ]);
    expect(resolve).not.toHaveBeenCalled();
    expect(resolveTxt).not.toHaveBeenCalled();
  });

  it('goes to the fallback (--dns) only for names nobody declared', async () => {
    const fallback = vi.fn(async () => [['v=spf1 +all']]);
    const { resolve: lookup, lookups } = declaredResolver(dnsRecordsSchema.parse({ 'example.com': { TXT: 'v=spf1 -all' } }), fallback);
    await expect(lookup('example.com', 'MX')).rejects.toMatchObject({ code: 'ENODATA' });
    expect(await lookup('other.test', 'TXT')).toEqual([['v=spf1 +all']]);
    expect(fallback).toHaveBeenCalledTimes(1);
    expect(lookups.at(-1)).toMatchObject({ Name: 'other.test', Source: 'network' });
  });
});

describe('sender best practices', () => {
  const headers = (fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, [v]]));
  const byCheck = (items: ReturnType<typeof bestPractice>) => Object.fromEntries(items.map((i) => [i.Check, i.Result]));

  it('wants Message-ID and Date, a bounce address, and one-click unsubscribe for bulk mail', () => {
    expect(byCheck(bestPractice(headers({ Subject: 'x' }), { sender: '', recipients: 1 }))).toEqual({
      'message-id': 'fail',
      date: 'fail',
      'return-path': 'fail',
      'list-unsubscribe': 'skipped',
      'list-unsubscribe-post': 'skipped',
    });
    const bulk = headers({ 'Message-Id': '<1@example.com>', Date: 'Tue, 01 Dec 2026 10:00:00 +0000', Precedence: 'bulk', 'List-Unsubscribe': '<mailto:u@example.com>' });
    expect(byCheck(bestPractice(bulk, { sender: 'bounce@example.com', recipients: 1 }))).toMatchObject({ 'message-id': 'pass', date: 'pass', 'return-path': 'pass', 'list-unsubscribe': 'pass', 'list-unsubscribe-post': 'fail' });
    const oneClick = { ...bulk, ...headers({ 'List-Unsubscribe': '<https://example.com/u?x=1>, <mailto:u@example.com>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }) };
    expect(byCheck(bestPractice(oneClick, { sender: 'bounce@example.com', recipients: 1 }))['list-unsubscribe-post']).toBe('pass');
    // Many recipients make mail bulk even without Precedence.
    expect(byCheck(bestPractice(headers({ Subject: 'x' }), { sender: 'a@b', recipients: 50 }))['list-unsubscribe']).toBe('fail');
  });
});
