import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { MAILPIT_SETTINGS } from '../server/cli/mailpit-aliases.js';
import { OPTIONS } from '../server/cli/option-table.js';
import { parseCli } from '../server/cli/options.js';
import { configSchema } from '../server/config/config.js';
import { run } from './helpers/processes.js';
import { printed, type Spawned } from './helpers/spawn.js';
import { spawnedPerTest } from './helpers/spawned-per-test.js';

/** A Mailpit command line or container environment, given to the built mailsim CLI unchanged. */
const start = spawnedPerTest();

const dir = mkdtempSync(join(tmpdir(), 'mailsim-mailpit-'));
const httpPort = (proc: Spawned) => Number(/:(\d+)(\/|$)/.exec(proc.url.replace(/^http:\/\//, ''))?.[1]);
const count = (text: string, needle: string) => text.split(needle).length - 1;

async function curl(...args: string[]): Promise<{ status: number; body: string }> {
  const result = await run('curl', ['-s', '-w', '\n%{http_code}', ...args]);
  const end = result.stdout.lastIndexOf('\n');
  return { status: Number(result.stdout.slice(end + 1)), body: result.stdout.slice(0, end) };
}

describe('Mailpit flags', () => {
  it('start mailsim with Mailpit\'s names, warn once for each that means nothing here, and print "accessible via"', async () => {
    const db = join(dir, 'flags.db');
    const proc = await start(['-d', db, '-m', '5', '-l', '127.0.0.1:0', '-s', '127.0.0.1:0', '--label', 'a', '--label', 'b', '--pop3', '127.0.0.1:0', '--enable-chaos', '--smtp-disable-rdns', '--smtp-auth-accept-any', '--smtp-auth-allow-insecure', '--tag', 'x']);
    const out = proc.output();
    expect(out).toContain(`DB    ${db}  (0 messages; keeps 5,`);
    // testcontainers' Mailpit wait strategy: Wait.forLogMessage(".*accessible via.*8025.*").
    expect(out).toMatch(new RegExp(`^.*accessible via.*${httpPort(proc)}.*$`, 'm'));
    expect(out).toContain(`[http] accessible via http://127.0.0.1:${httpPort(proc)}/`);
    expect(count(out, '--label (a Mailpit setting) is ignored: the UI has no instance label')).toBe(1);
    // Mailpit's --pop3 is mailsim's own option now: a POP3 listener, no warning.
    expect(out).toMatch(/^ {2}POP3 {2}127\.0\.0\.1:\d+ {2}\(starttls\)$/m);
    expect(out).not.toContain('--pop3 (a Mailpit setting)');
    expect(count(out, '--tag (a Mailpit setting) is ignored')).toBe(1);
    // What mailsim does anyway is no news.
    expect(out).not.toMatch(/--(enable-chaos|smtp-disable-rdns|smtp-auth-allow-insecure|smtp-auth-accept-any) \(a Mailpit setting\)/);
    expect((await curl(`${proc.url}/api/v1/messages`)).status).toBe(200);
  });

  it('give the "accessible via" URL in the JSON ready line too', async () => {
    const proc = await start(['--smtp', '127.0.0.1:0', '--listen', '[::1]:0', '--db', ':memory:', '--log-format', 'json']);
    // The JSON line goes to stderr after the banner's "Ready." on stdout.
    await printed(proc, '"msg":"ready"');
    const ready = proc.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; url?: string }).find((line) => line.msg === 'ready');
    expect(ready?.url).toBe(`http://[::1]:${httpPort(proc)}/`);
    expect(proc.output()).toContain(`[http] accessible via http://[::1]:${httpPort(proc)}/`);
  });

  it('take MP_* variables, Mailpit\'s MB for the message size, and warn once for a variable without meaning', async () => {
    const db = join(dir, 'env.db');
    const proc = await start([], {
      MP_DATABASE: db,
      MP_MAX_MESSAGES: '7',
      MP_MAX_MESSAGE_SIZE: '2',
      MP_UI_BIND_ADDR: '127.0.0.1:0',
      MP_SMTP_BIND_ADDR: '127.0.0.1:0',
      MP_WEBROOT: 'mail',
      MP_LABEL: 'ci',
      MP_QUIET: 'false',
      MP_ENABLE_PROMETHEUS: 'true',
    });
    const out = proc.output();
    expect(out).toContain(`DB    ${db}  (0 messages; keeps 7, max size 2.0 MiB)`);
    expect(proc.url).toMatch(/\/mail$/);
    expect(out).toContain(`[http] accessible via http://127.0.0.1:${httpPort(proc)}/mail/`);
    expect(count(out, 'MP_LABEL (a Mailpit setting) is ignored')).toBe(1);
    expect(out).not.toContain('MP_ENABLE_PROMETHEUS');
    const sent = await run('swaks', ['--server', `127.0.0.1:${proc.smtpPorts[0]}`, '--to', 'qa@example.com', '--h-Subject', 'via MP_SMTP_BIND_ADDR']);
    expect(sent.stdout).toMatch(/<- {2}250 /);
    const list = await curl(`${proc.url}/api/v1/messages`);
    expect(JSON.parse(list.body)).toMatchObject({ messages_count: 1, messages: [{ Subject: 'via MP_SMTP_BIND_ADDR' }] });
  });

  it('mailsim\'s own flag wins over Mailpit\'s, which wins over MAILSIM_*, which wins over MP_*', () => {
    const env = { MAILSIM_MAX_MESSAGES: '3', MP_MAX_MESSAGES: '2', MP_DATABASE: '/mp.db', MAILSIM_DB: '/mailsim.db', MP_VERBOSE: 'yes', MP_UI_AUTH_FILE: '/users' };
    expect(parseCli(['--max-messages', '9', '-m', '5'], env).config).toMatchObject({ maxMessages: 9, db: '/mailsim.db', logLevel: 'debug', uiAuthFile: '/users' });
    expect(parseCli(['-m', '5', '-d', '/flag.db'], env).config).toMatchObject({ maxMessages: 5, db: '/flag.db' });
    expect(parseCli([], { MP_MAX_MESSAGES: '2' }).config).toMatchObject({ maxMessages: 2 });
    // Mailpit's 0 means "no limit": mailsim keeps its default and says so.
    const unlimited = parseCli([], { MP_MAX_MESSAGES: '0', MP_MAX_MESSAGE_SIZE: '0' });
    expect(configSchema.parse(unlimited.config)).toMatchObject({ maxMessages: 10_000, maxMessageSize: 25 * 1024 * 1024 });
    expect(unlimited.warnings).toEqual([
      'MP_MAX_MESSAGES (a Mailpit setting) is ignored: 0 (no limit) has no mailsim equivalent; the default limit stays',
      'MP_MAX_MESSAGE_SIZE (a Mailpit setting) is ignored: 0 (unlimited) has no mailsim equivalent; the default 25MiB stays',
    ]);
  });

  it('map every alias onto an option that exists', () => {
    const flags = new Set(OPTIONS.map((o) => o.flag));
    for (const setting of MAILPIT_SETTINGS) {
      if (setting.to) expect(flags, `${setting.flag ?? setting.env?.[0]} → --${setting.to}`).toContain(setting.to);
      expect(Boolean(setting.to || setting.key || setting.same || setting.ignored), String(setting.flag ?? setting.env)).toBe(true);
    }
  });
});

describe('--webroot', () => {
  it('serves the API, the probes, /view and the live feed under the prefix, and redirects / to it', async () => {
    const proc = await start(['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', ':memory:', '--webroot', '/mail/']);
    const root = proc.url.replace(/\/mail$/, '');
    await run('swaks', ['--server', `127.0.0.1:${proc.smtpPorts[0]}`, '--to', 'qa@example.com', '--h-Subject', 'prefixed', '--body', 'hello']);
    const [list, outside, home, ready, view] = await Promise.all([
      curl(`${root}/mail/api/v1/messages`),
      curl(`${root}/api/v1/messages`),
      run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `${root}/`]),
      curl(`${root}/mail/readyz`),
      curl(`${root}/mail/view/latest.txt`),
    ]);
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toMatchObject({ messages: [{ Subject: 'prefixed' }] });
    expect(outside.status).toBe(404);
    expect(home.stdout).toBe(`302 ${root}/mail/`);
    expect(ready.status).toBe(200);
    expect(view.body).toContain('hello');
    const page = await curl(`${root}/mail/message/anything`);
    expect(page.body).toContain('<base href="/mail/" />');
    const socket = new WebSocket(`${root.replace('http', 'ws')}/mail/api/events`);
    const opened = await new Promise<boolean>((resolve) => {
      socket.once('open', () => resolve(true));
      socket.once('error', () => resolve(false));
    });
    socket.close();
    expect(opened).toBe(true);
  });

  it('--api-cors applies to the API below the prefix (a preflight from an allowed page)', async () => {
    const proc = await start(['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', ':memory:', '--webroot', '/mail/', '--api-cors', 'app.test']);
    const root = proc.url.replace(/\/mail$/, '');
    const preflight = await run('curl', ['-s', '-o', '/dev/null', '-D', '-', '-X', 'OPTIONS', '-H', 'Origin: http://app.test', '-H', 'Access-Control-Request-Method: DELETE', `${root}/mail/api/v1/messages`]);
    expect(preflight.stdout).toMatch(/^HTTP\/1\.1 204/);
    expect(preflight.stdout.toLowerCase()).toContain('access-control-allow-origin: http://app.test');
  });

  it('refuses a prefix with characters Mailpit refuses', () => {
    expect(() => configSchema.parse({ webroot: '/ma il/' })).toThrow(/only letters, digits and/);
    expect(configSchema.parse({ webroot: 'mail' }).webroot).toBe('/mail/');
    expect(configSchema.parse({ webroot: '/a/../b//' }).webroot).toBe('/a/b/');
  });
});
