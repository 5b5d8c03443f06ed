import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, run } from './helpers/processes.js';
import { runCliToEnd, spawnMailsim, type Spawned } from './helpers/spawn.js';

/**
 * --ui-auth-file and --smtp-auth-file (and Mailpit's MP_UI_AUTH / MP_SMTP_AUTH) through the
 * built CLI, with files written by Apache's own htpasswd and checked by real clients: curl for
 * the API and the UI, a WebSocket client for the live feed, swaks and Python's smtplib for SMTP.
 */
const dir = mkdtempSync(join(tmpdir(), 'mailsim-auth-'));
const FILE = join(dir, 'users.htpasswd');
const FREE = ['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', ':memory:'];

async function htpasswd(...args: string[]): Promise<void> {
  const result = await run('htpasswd', args);
  expect(result.code, result.stderr).toBe(0);
}

/** curl's HTTP status for `url`, with `-u user:password` when given. */
async function curlStatus(url: string, credentials?: string): Promise<number> {
  const result = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...(credentials ? ['-u', credentials] : []), url]);
  return Number(result.stdout);
}

function swaks(port: number, ...auth: string[]) {
  return run('swaks', ['--server', `127.0.0.1:${port}`, '--from', 'app@example.com', '--to', 'qa@example.com', '--h-Subject', 'auth file', ...auth]);
}

const SMTPLIB = `
import smtplib, sys
from email.message import EmailMessage
msg = EmailMessage(); msg['From'] = 'py@example.com'; msg['To'] = 'qa@example.com'; msg['Subject'] = 'smtplib'; msg.set_content('hi')
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    try:
        s.login(sys.argv[2], sys.argv[3])
    except smtplib.SMTPAuthenticationError as e:
        print('refused', e.smtp_code, e.smtp_error.decode()); sys.exit(0)
    s.send_message(msg); print('sent')
`;

function wsStatus(url: string, credentials?: string): Promise<number> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/events`, credentials ? { headers: { Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } } : {});
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', () => resolve(0));
  });
}

describe('htpasswd auth files', () => {
  let sim: Spawned;

  beforeAll(async () => {
    // Three users, three of htpasswd's schemes: bcrypt (-B), Apache MD5 (-m), SHA-1 (-s).
    await htpasswd('-cbB', FILE, 'alice', 'wonder land');
    await htpasswd('-bm', FILE, 'bob', 'builder');
    await htpasswd('-bs', FILE, 'carol', 's3cret');
    sim = await spawnMailsim([...FREE, '--ui-auth-file', FILE, '--smtp-auth-file', FILE]);
  });
  afterAll(() => sim?.child.kill('SIGKILL'));

  it('lets every user of --ui-auth-file into the API and the UI, and nobody else', async () => {
    const api = `${sim.url}/api/v1/messages`;
    expect(await Promise.all([curlStatus(api, 'alice:wonder land'), curlStatus(api, 'bob:builder'), curlStatus(api, 'carol:s3cret'), curlStatus(`${sim.url}/`, 'bob:builder')])).toEqual([200, 200, 200, 200]);
    expect(await Promise.all([curlStatus(api), curlStatus(api, 'alice:wonder'), curlStatus(api, 'mallory:builder'), curlStatus(`${sim.url}/`)])).toEqual([401, 401, 401, 401]);
    // The probes stay open for orchestrators.
    expect(await curlStatus(`${sim.url}/readyz`)).toBe(200);
  });

  it('checks the live feed the same way', async () => {
    expect(await wsStatus(sim.url, 'alice:wonder land')).toBe(101);
    expect(await wsStatus(sim.url, 'alice:nope')).toBe(401);
    expect(await wsStatus(sim.url)).toBe(401);
  });

  it('takes SMTP AUTH from the users of --smtp-auth-file only, and requires it', async () => {
    const [good, wrong, none] = await Promise.all([
      swaks(sim.smtpPorts[0]!, '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', 'wonder land'),
      swaks(sim.smtpPorts[0]!, '--auth', 'LOGIN', '--auth-user', 'alice', '--auth-password', 'wonder'),
      swaks(sim.smtpPorts[0]!),
    ]);
    expect(good.stdout).toMatch(/<- {2}235 /);
    expect(good.stdout).toMatch(/<- {2}250 .*queued|<- {2}250 2\.0\.0/);
    expect(wrong.stdout).toContain('535 5.7.8 Authentication credentials invalid');
    expect(none.stdout).toContain('530 5.7.0 Authentication required');
    const [bob, stranger] = await Promise.all([python(SMTPLIB, String(sim.smtpPorts[0]), 'bob', 'builder'), python(SMTPLIB, String(sim.smtpPorts[0]), 'eve', 'builder')]);
    expect(bob.stdout.trim(), bob.stderr).toBe('sent');
    expect(stranger.stdout.trim()).toBe('refused 535 5.7.8 Authentication credentials invalid');
    const list = await run('curl', ['-s', '-u', 'carol:s3cret', `${sim.url}/api/v1/messages`]);
    expect((JSON.parse(list.stdout) as { messages_count: number }).messages_count).toBe(2);
  });
});

describe('Mailpit inline credentials and refusals at start-up', () => {
  it('reads MP_UI_AUTH and MP_SMTP_AUTH as several user:password entries', async () => {
    const sim = await spawnMailsim(FREE, { MP_UI_AUTH: 'ann:one  ben:two', MP_SMTP_AUTH: 'app:pw' });
    try {
      expect(await Promise.all([curlStatus(`${sim.url}/api/v1/info`, 'ann:one'), curlStatus(`${sim.url}/api/v1/info`, 'ben:two'), curlStatus(`${sim.url}/api/v1/info`, 'ann:two')])).toEqual([200, 200, 401]);
      const [good, bad] = await Promise.all([swaks(sim.smtpPorts[0]!, '--auth-user', 'app', '--auth-password', 'pw'), swaks(sim.smtpPorts[0]!, '--auth-user', 'app', '--auth-password', 'no')]);
      expect(good.stdout).toMatch(/<- {2}235 /);
      expect(bad.stdout).toContain('535 5.7.8');
    } finally {
      sim.child.kill('SIGKILL');
    }
  });

  it('refuses to start on a file it cannot use, naming the option, file and line (exit 2)', async () => {
    const crypt = join(dir, 'crypt.htpasswd');
    writeFileSync(crypt, '# users\nalice:$2y$05$ZysQvRCPG6kQZIRsqASEheeWRPCndN3I/W.kCmASSgGU2uI2zoAKu\nroot:$6$salt$hash\n');
    const [missing, unsupported, both] = await Promise.all([
      runCliToEnd([...FREE, '--ui-auth-file', join(dir, 'nope')]),
      runCliToEnd([...FREE, '--smtp-auth-file', crypt]),
      runCliToEnd([...FREE, '--smtp-auth-file', crypt, '--smtp-auth-accept-any']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--ui-auth-file: cannot read .*nope: ENOENT/);
    expect(unsupported.code).toBe(2);
    expect(unsupported.stderr).toContain(`--smtp-auth-file: ${crypt}:3: user "root": crypt(3) $6$ hashes are not supported; use bcrypt (htpasswd -B)`);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--smtp-auth-accept-any: cannot be used with --smtp-auth-file');
  });
});
