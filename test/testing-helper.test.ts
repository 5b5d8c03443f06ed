import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectMailsim, MailsimTimeoutError, startMailsim, toQuery, type MailsimClient } from '../server/testing/index.js';
import { sendWithNodemailer } from './helpers/faults.js';
import { run } from './helpers/processes.js';
import { startSim } from './helpers/sim.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

let sim: MailsimClient;
beforeAll(async () => {
  sim = await startMailsim();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const send = (mail: Parameters<typeof sendWithNodemailer>[1], options?: Record<string, unknown>) => sendWithNodemailer(sim.smtp.port, mail, options);

describe('filters', () => {
  it('turns an object into the search language', () => {
    expect(toQuery({ to: 'a@b.org', subject: 'Reset your password', tag: ['x', 'y'], read: false, attachment: true, query: '-from:bot' })).toBe(
      'to:"a@b.org" subject:"Reset your password" tag:"x" tag:"y" is:unread has:attachment -from:bot',
    );
    expect(toQuery({ text: 'hello world', after: new Date('2026-01-01T00:00:00Z') })).toBe('"hello world" after:2026-01-01T00:00:00.000Z');
    expect(toQuery('subject:x')).toBe('subject:x');
    expect(() => toQuery({ subject: 'say "hi"' })).toThrow(/cannot express a double quote/);
  });
});

describe('startMailsim', () => {
  it('runs on free loopback ports with an in-memory store', () => {
    expect(sim.smtp.host).toBe('127.0.0.1');
    expect(sim.smtp.port).toBeGreaterThan(0);
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('waitForMessage resolves when a matching message arrives, with an object or a query filter', async () => {
    const waiting = sim.waitForMessage({ to: 'alice@example.org', subject: 'Welcome' }, { timeout: '5s' });
    await send({ to: 'bob@example.org', subject: 'Welcome' });
    await send({ to: 'alice@example.org', subject: 'Welcome aboard', html: '<p>Hi Alice</p>' });
    const message = await waiting;
    expect(message.Subject).toBe('Welcome aboard');
    expect((await sim.message(message.ID)).HTML).toBe('<p>Hi Alice</p>');
    expect((await sim.message()).ID).toBe(message.ID);
    expect((await sim.waitForMessage('subject:Welcome to:bob')).To[0]!.Address).toBe('bob@example.org');
  });

  it('waitForMessages waits for a count; messages() lists, newest first', async () => {
    const waiting = sim.waitForMessages({ subject: 'batch' }, { count: 3, timeout: 5_000 });
    for (const n of [1, 2, 3]) await send({ subject: `batch ${n}` });
    expect((await waiting).map((m) => m.Subject)).toEqual(['batch 3', 'batch 2', 'batch 1']);
    await send({ subject: 'other' });
    expect((await sim.messages()).map((m) => m.Subject)).toEqual(['other', 'batch 3', 'batch 2', 'batch 1']);
    expect((await sim.messages({ subject: 'batch' }, { limit: 1 })).map((m) => m.Subject)).toEqual(['batch 3']);
  });

  it('rejects a timed-out wait with a report of what arrived instead', async () => {
    await send({ to: 'carol@example.org', subject: 'Invoice 7' });
    const error = await sim.waitForMessage({ to: 'dave@example.org' }, { timeout: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailsimTimeoutError);
    const timedOut = error as MailsimTimeoutError;
    expect(timedOut.status).toBe(408);
    expect(timedOut.matched).toEqual([]);
    expect(timedOut.message).toMatch(/^timed out after 200 ms waiting for 1 message matching "to:\\"dave@example.org\\"": 0 matched\nmatched:\n {2}\(none\)\nnewest messages \(1 in the mailbox\):\n {2}\S+ {2}app@example.com -> carol@example.org {2}"Invoice 7" {2}\(\S+\)$/);
    // Mailpit never rejects a search: an unreadable date is ignored.
    expect(await sim.messages('before:someday')).toHaveLength(1);
  });

  it('sessions(), session(), fault() and waitForSessions(): two one-shot 421s, then success', async () => {
    const id = await sim.fault({ when: { phase: 'data-end' }, count: 2, action: { reply: { code: 421, enhanced: '4.7.0', text: 'Try again later' } } });
    expect(id).toMatch(/^oneshot-/);
    const since = new Date();
    const waiting = sim.waitForSessions({ since }, { count: 3, timeout: '5s' });
    for (let i = 0; i < 3; i++) await send({ subject: `try ${i}` });
    const sessions = await waiting;
    expect(sessions.map((s) => s.Outcome).reverse()).toEqual(['deferred', 'deferred', 'delivered']);
    expect((await sim.sessions({ outcome: 'deferred' })).length).toBe(2);
    expect((await sim.sessions({ outcome: ['deferred', 'delivered'], client: '127.0.0.1' })).length).toBe(3);
    const latest = await sim.session();
    expect(latest.ID).toBe(sessions[0]!.ID);
    expect(latest.Transcript.some((t) => t.Text.startsWith('DATA'))).toBe(true);
    await expect(sim.waitForSessions({ outcome: 'rejected' }, { timeout: 100 })).rejects.toThrow(/timed out after 100 ms waiting for 1 session .*: 0 matched\nmatched:\n {2}\(none\)\nnewest sessions:\n {2}.* delivered/s);
  });

  it('useScenario() by name and by object, and advanceClock() moves greylisting along', async () => {
    await sim.useScenario('greylisting');
    expect((await send({ subject: 'first try' })).responseCode).toBe(450);
    expect((await sim.advanceClock('6m')).OffsetMs).toBe(360_000);
    expect((await send({ subject: 'retry' })).ok).toBe(true);
    await sim.useScenario({ name: 'helper-inline', rules: [{ when: { phase: 'mail' }, action: { reply: { code: 550, enhanced: '5.7.1', text: 'No' } } }] });
    expect((await send({ subject: 'refused' })).responseCode).toBe(550);
    await sim.reset();
    expect((await send({ subject: 'after reset' })).ok).toBe(true);
    expect((await sim.messages()).map((m) => m.Subject)).toEqual(['after reset']);
    await expect(sim.useScenario('no-such-scenario')).rejects.toThrow(/400 no valid scenario named "no-such-scenario"/);
  });

  it('starts with a scenario object, and with --ui-auth credentials that connectMailsim can use', async () => {
    const own = await startMailsim({ scenario: { name: 'start-inline', rules: [{ when: { phase: 'rcpt' }, action: { reply: { code: 452, enhanced: '4.5.3', text: 'Too many' } } }] }, uiAuth: { user: 'u', password: 'p' } });
    try {
      expect((await sendWithNodemailer(own.smtp.port, {})).responseCode).toBe(452);
      expect((await own.waitForSessions({ outcome: 'deferred' })).length).toBe(1);
      await expect(connectMailsim(own.url)).rejects.toMatchObject({ status: 401 });
      const remote = await connectMailsim(own.url, { auth: { user: 'u', password: 'p' } });
      expect(remote.smtp).toEqual(own.smtp);
      expect((await remote.sessions()).length).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe('connectMailsim', () => {
  it('drives a mailsim started elsewhere through the same API, and close() leaves it running', async () => {
    // Started without the helper; the client knows only its URL (as with a CI service or
    // docker-compose). `mailsim wait`, tested with the real CLI, connects the same way.
    const other = await startSim();
    try {
      const remote = await connectMailsim(`${other.url}/`);
      expect(remote.smtp).toEqual({ host: '127.0.0.1', port: other.smtpPort });
      const waiting = remote.waitForMessage({ subject: 'from afar' });
      expect((await sendWithNodemailer(remote.smtp.port, { subject: 'from afar' })).ok).toBe(true);
      expect((await waiting).Subject).toBe('from afar');
      await remote.close();
      expect(await fetch(`${other.url}/readyz`).then((r) => r.status)).toBe(200);
    } finally {
      await other.stop();
    }
  });
});

describe('other test runners', () => {
  it('works under node:test (plain promises, no framework globals)', async () => {
    // Inside the repository (test-artifacts/ is git-ignored) so that "nodemailer" resolves, and
    // "mailsim/testing" too: the package's own exports, the built dist/ a user's project imports.
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'test-artifacts', 'node-test-'));
    const file = join(dir, 'mail.test.mjs');
    writeFileSync(
      file,
      `import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startMailsim } from 'mailsim/testing';
const sim = await startMailsim();
after(() => sim.close());
test('a password reset mail goes out', async () => {
  const transport = nodemailer.createTransport({ host: sim.smtp.host, port: sim.smtp.port, secure: false, ignoreTLS: true });
  await transport.sendMail({ from: 'app@example.com', to: 'user@example.org', subject: 'Reset your password', text: 'link' });
  const message = await sim.waitForMessage({ to: 'user@example.org', subject: 'Reset' }, { timeout: '5s' });
  assert.equal(message.Subject, 'Reset your password');
});
`,
    );
    const result = await run(process.execPath, ['--test', file], undefined, 30_000);
    expect(result.stdout + result.stderr).toMatch(/# pass 1/);
    expect(result.code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is exported as mailsim/testing from the built package, with types', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    expect(pkg.exports['./testing']).toEqual({ types: './dist/server/testing/index.d.ts', default: './dist/server/testing/index.js' });
    // tsconfig.build.json compiles server/**/*.ts to dist/ (rootDir "."), with declarations.
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { declaration: boolean }; include: string[] };
    expect(build.compilerOptions.declaration).toBe(true);
    expect(build.include).toContain('server/**/*.ts');
  });
});
