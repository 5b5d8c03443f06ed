import { describe, expect, it } from 'vitest';
import { checkPersona } from '../../server/faults/persona-checks.js';
import { personaSchema } from '../../server/faults/schema.js';
import { ctx, engine, outcome } from './helpers.js';

const persona = (input: Record<string, unknown> = {}) => personaSchema.parse(input);
const check = (p: Record<string, unknown>, c: ReturnType<typeof ctx>, maxSize = 10_000) => checkPersona(c, persona(p), maxSize);
const auth = (user: string, password?: string, validatePassword?: (p: string) => boolean, mechanism = 'PLAIN') => ({ mechanism, user, password, validatePassword });

describe('persona checks: auth', () => {
  it('accepts anything by default', () => {
    expect(check({}, ctx('auth', { auth: auth('x', 'y') }))).toBeUndefined();
  });

  it('listed accounts need their password; others pass only with acceptAny', () => {
    const accounts = [{ user: 'alice@x.org', password: 's3cret' }];
    expect(check({ auth: { accounts } }, ctx('auth', { auth: auth('alice@x.org', 's3cret') }))).toBeUndefined();
    expect(check({ auth: { accounts } }, ctx('auth', { auth: auth('Alice@X.org', 's3cret') }))).toBeUndefined();
    expect(check({ auth: { accounts } }, ctx('auth', { auth: auth('alice@x.org', 'wrong') }))?.name).toBe('bad-credentials');
    expect(check({ auth: { accounts } }, ctx('auth', { auth: auth('bob@x.org', 'any') }))).toBeUndefined();
    const hit = check({ auth: { accounts, acceptAny: false } }, ctx('auth', { auth: auth('bob@x.org', 'any') }));
    expect(hit).toMatchObject({ name: 'bad-credentials', reply: { code: 535, enhanced: '5.7.8' } });
    expect(hit?.reason).toContain('unknown user bob@x.org');
    expect(check({ auth: { acceptAny: false } }, ctx('auth', { auth: auth('anyone', 'x') }))?.name).toBe('bad-credentials');
  });

  it('CRAM-MD5: compares through validatePassword, since the password is never revealed', () => {
    const accounts = [{ user: 'alice', password: 's3cret' }];
    const seen: string[] = [];
    const validator = (answer: string) => (p: string) => {
      seen.push(p);
      return p === answer;
    };
    expect(check({ auth: { accounts } }, ctx('auth', { auth: auth('alice', undefined, validator('s3cret'), 'CRAM-MD5') }))).toBeUndefined();
    expect(seen).toEqual(['s3cret']);
    expect(check({ auth: { accounts } }, ctx('auth', { auth: auth('alice', undefined, validator('other'), 'CRAM-MD5') }))?.name).toBe('bad-credentials');
    expect(check({ auth: { accounts } }, ctx('auth', { auth: auth('alice', undefined, undefined, 'XOAUTH2') }))?.name).toBe('bad-credentials');
  });

  it('appPassword (Gmail): app passwords with 2-Step Verification; the normal password 534 with it, 535 without', () => {
    const replies = {
      badCredentials: { code: 535, enhanced: '5.7.8', text: 'Username and Password not accepted.' },
      appPasswordRequired: { code: 534, enhanced: '5.7.9', text: 'Application-specific password required.' },
    };
    const accounts = [
      { user: 'me@gmail.com', password: 'hunter2', twoStepVerification: true, appPasswords: ['abcd efgh ijkl mnop'] },
      { user: 'old@gmail.com', password: 'hunter2' },
      { user: 'no2sv@gmail.com', password: 'hunter2' },
    ];
    const gmail = { auth: { appPassword: true, acceptAny: false, accounts, replies } };
    const login = (user: string, password: string) => check(gmail, ctx('auth', { auth: auth(user, password) }));
    expect(login('me@gmail.com', 'abcd efgh ijkl mnop')).toBeUndefined();
    expect(login('me@gmail.com', 'abcdefghijklmnop')).toBeUndefined();
    expect(login('me@gmail.com', 'hunter2')).toMatchObject({ name: 'app-password-required', reply: { code: 534, enhanced: '5.7.9' } });
    // A mistyped app password is a wrong password, not a request for an app password.
    expect(login('me@gmail.com', 'abcd efgh ijkl mnoq')).toMatchObject({ name: 'bad-credentials', reply: { code: 535 } });
    expect(login('old@gmail.com', 'hunter2')).toMatchObject({ name: 'bad-credentials', reply: { code: 535 } });
    expect(login('old@gmail.com', 'hunter2')?.reason).toContain('no 2-Step Verification');
    expect(login('stranger@gmail.com', 'abcdefghijklmnop')).toMatchObject({ name: 'bad-credentials', reply: { code: 535 } });
    // XOAUTH2: mailsim cannot verify a token, so a listed account logs in with any.
    expect(check(gmail, ctx('auth', { auth: auth('no2sv@gmail.com', 'ya29.token', undefined, 'XOAUTH2') }))).toBeUndefined();
    // Without its own reply, appPasswordRequired falls back to badCredentials.
    expect(check({ auth: { appPassword: true, accounts } }, ctx('auth', { auth: auth('me@gmail.com', 'hunter2') }))).toMatchObject({ name: 'app-password-required', reply: { code: 535 } });
  });

  it('app passwords need 2-Step Verification (schema)', () => {
    expect(() => persona({ auth: { accounts: [{ user: 'a', password: 'b', appPasswords: ['x'] }] } })).toThrow(/twoStepVerification/);
  });

  it('basicAuth refused (Microsoft 365): PLAIN, LOGIN and CRAM-MD5 get basicAuthRefused, XOAUTH2 logs in', () => {
    const m365 = { auth: { basicAuth: 'refused', replies: { basicAuthRefused: { code: 550, enhanced: '5.7.30', text: 'Basic authentication is not supported for Client Submission.' } } } };
    for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5']) {
      expect(check(m365, ctx('auth', { auth: auth('me@contoso.com', 'right', undefined, mechanism) }))).toMatchObject({ name: 'basic-auth-refused', reply: { code: 550, enhanced: '5.7.30' } });
    }
    expect(check(m365, ctx('auth', { auth: auth('me@contoso.com', 'token', undefined, 'XOAUTH2') }))).toBeUndefined();
  });

  it('authBeforeTls refused (SES) or hidden (Gmail): AUTH on a plain connection gets tls.replies.required', () => {
    expect(check({ tls: { authBeforeTls: 'refused' } }, ctx('auth', { auth: auth('a', 'b') }))).toMatchObject({ name: 'tls-required', reply: { code: 530, text: 'Must issue a STARTTLS command first' } });
    expect(check({ tls: { authBeforeTls: 'hidden' } }, ctx('auth', { auth: auth('a', 'b') }))?.name).toBe('tls-required');
    expect(check({ tls: { authBeforeTls: 'refused' } }, ctx('auth', { auth: auth('a', 'b'), session: { secure: true } }))).toBeUndefined();
    expect(check({ tls: { authBeforeTls: 'allowed', starttls: 'required' } }, ctx('auth', { auth: auth('a', 'b') }))).toBeUndefined();
  });
});

describe('persona checks: transaction', () => {
  it('mail: STARTTLS first (Gmail on 587), then auth.required, then SIZE=', () => {
    const strict = { tls: { starttls: 'required' }, auth: { required: true }, size: 1000 };
    expect(check(strict, ctx('mail', { sender: 'a@b', announcedSize: 5000 }))?.name).toBe('tls-required');
    expect(check(strict, ctx('mail', { sender: 'a@b', announcedSize: 5000, session: { secure: true } }))).toMatchObject({ name: 'auth-required', reply: { code: 530, text: 'Authentication required' } });
    expect(check(strict, ctx('mail', { sender: 'a@b', announcedSize: 5000, session: { secure: true, user: 'u' } }))).toMatchObject({ name: 'message-size', reply: { code: 552, enhanced: '5.3.4' } });
    expect(check(strict, ctx('mail', { sender: 'a@b', announcedSize: 1000, session: { secure: true, user: 'u' } }))).toBeUndefined();
  });

  it('size falls back to the default maximum', () => {
    expect(check({}, ctx('mail', { sender: 'a@b', announcedSize: 10_001 }))?.name).toBe('message-size');
    expect(check({}, ctx('mail', { sender: 'a@b', announcedSize: 10_000 }))).toBeUndefined();
    expect(check({}, ctx('data-end', { message: { size: 10_001, headers: {} } }))?.reason).toContain('10001 bytes exceeds 10000');
    expect(check({ size: 20_000 }, ctx('data-end', { message: { size: 10_001, headers: {} } }))).toBeUndefined();
  });

  it('starttls required refuses rcpt and data-start, not helo, starttls, rset or quit (RFC 3207 §4)', () => {
    const p = { tls: { starttls: 'required' } };
    expect(check(p, ctx('rcpt', { recipient: 'a@b' }))?.name).toBe('tls-required');
    expect(check(p, ctx('data-start'))?.name).toBe('tls-required');
    for (const phase of ['helo', 'starttls', 'rset', 'quit', 'connect'] as const) expect(check(p, ctx(phase))).toBeUndefined();
    expect(check(p, ctx('rcpt', { recipient: 'a@b', session: { secure: true } }))).toBeUndefined();
  });

  it('identities (SES): From, Sender, MAIL FROM and, in the sandbox, every recipient must be verified; all failures named', () => {
    const ses = (recipients: boolean) => ({
      identities: { verified: ['*@verified.example', 'ok@other.example'], recipients, reply: { code: 554, text: 'Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: {identities}' } },
    });
    const end = (headers: Record<string, string[]>, sender: string, recipients: string[]) => ctx('data-end', { sender, recipients, message: { size: 10, headers } });
    const all = end({ From: ['App <app@verified.example>'], Sender: ['ok@other.example'] }, 'bounce@verified.example', ['r@verified.example']);
    expect(check(ses(true), all)).toBeUndefined();
    const bad = end({ from: ['"X" <x@nope.example>'], sender: ['s@nope.example'] }, 'X@nope.example', ['r@verified.example', 'a@nope.example', 'b@nope.example']);
    expect(check(ses(true), bad)?.reply.text).toBe('Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: x@nope.example, s@nope.example, a@nope.example, b@nope.example');
    expect(check(ses(false), bad)?.reply.text).toMatch(/: x@nope\.example, s@nope\.example$/);
    expect(check(ses(false), end({ From: ['app@verified.example'] }, '', ['anyone@x.org']))).toBeUndefined();
    expect(check(ses(true), end({ From: ['app@verified.example'] }, '', ['anyone@x.org']))).toMatchObject({ name: 'identity-not-verified', reason: 'persona: not verified identities: anyone@x.org' });
    const many = Array.from({ length: 1000 }, (_, i) => `r${i}@nope.example`);
    const long = check(ses(true), end({ From: ['app@verified.example'] }, '', many))?.reply.text as string;
    expect(long.length).toBeLessThan(500);
    expect(long).toMatch(/: r0@nope\.example, r1@nope\.example, .*\.\.\.$/);
  });

  it('starttls: tls.fault unavailable answers 454 4.7.0', () => {
    expect(check({ tls: { fault: 'unavailable' } }, ctx('starttls'))).toMatchObject({ name: 'tls-unavailable', reply: { code: 454, enhanced: '4.7.0' } });
    expect(check({ tls: { fault: 'expired-certificate' } }, ctx('starttls'))).toBeUndefined();
  });
});

describe('persona checks in the engine', () => {
  it('auth.failureDelay is added to any refused AUTH, from whichever source', () => {
    const { engine: e } = engine({
      persona: { auth: { acceptAny: false, accounts: [{ user: 'u', password: 'p' }], failureDelay: '5s' } },
      rules: [{ name: 'locked', when: { phase: 'auth', user: 'locked*' }, action: { reply: { code: 535, enhanced: '5.7.139', text: 'Authentication unsuccessful' } } }],
    });
    const refused = e.decide(ctx('auth', { auth: auth('nobody', 'x') }));
    expect([outcome(refused), refused.delayMs]).toEqual(['535 5.7.8 Authentication credentials invalid', 5000]);
    expect(refused.fired.map((f) => f.name)).toEqual(['bad-credentials', 'auth-failure-delay']);
    expect(e.decide(ctx('auth', { auth: auth('locked-1', 'x') })).delayMs).toBe(5000);
    expect(e.decide(ctx('auth', { auth: auth('u', 'p') }))).toEqual({ delayMs: 0, verdict: { kind: 'continue' }, fired: [] });
  });
});
