import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagesSummary } from '../server/protocol.js';
import { nextEvent } from './helpers/events.js';
import { sendWithNodemailer, useScenario } from './helpers/faults.js';
import { run } from './helpers/processes.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// A real MTA in front of mailsim: Debian's Postfix, started as root in a temporary config
// directory (postfix -c DIR) on loopback, relays to mailsim (relayhost); mailsim answers 250 and
// bounces later under a bounce scenario, and the DSN lands addressed to the original sender.

const VERP = 'bounce+123-res.partner-7@app.example';
let sim: TestSim;
let dir: string;
let postfixPort: number;
const canRun = process.getuid?.() === 0 && (() => { try { execFileSync('postconf', ['-d', 'mail_version']); return true; } catch { return false; } })();

const freePort = () => new Promise<number>((resolve) => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});
/** postfix logs its fatal errors to stderr only on a terminal; `script` gives it one. */
const postfix = (...args: string[]) => run('script', ['-qc', ['postfix', '-c', dir, ...args].join(' '), '/dev/null']);

beforeAll(async () => {
  if (!canRun) return;
  sim = await startSim({}, { now: () => Date.UTC(2026, 0, 5, 9) });
  dir = mkdtempSync(join(tmpdir(), 'mailsim-postfix-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'queue'));
  mkdirSync(join(dir, 'data'));
  const ids = execFileSync('id', ['-u', 'postfix']).toString().trim();
  const gid = execFileSync('id', ['-g', 'postfix']).toString().trim();
  chownSync(join(dir, 'data'), Number(ids), Number(gid));
  postfixPort = await freePort();
  writeFileSync(join(dir, 'main.cf'), [
    'compatibility_level = 3.6',
    `queue_directory = ${dir}/queue`,
    `data_directory = ${dir}/data`,
    'mail_owner = postfix',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'myhostname = postfix.test',
    'mydestination =',
    `relayhost = [127.0.0.1]:${sim.smtpPort}`,
    'mynetworks = 127.0.0.0/8',
    'smtpd_relay_restrictions = permit_mynetworks, reject',
    'smtp_tls_security_level = none',
    'smtp_dns_support_level = disabled',
    'alias_maps =',
    `maillog_file = ${dir}/postfix.log`,
    `maillog_file_prefixes = ${dir}`,
    '',
  ].join('\n'));
  // Debian's master.cf, without chroot (the temporary directory has no chroot jail), smtpd on our port.
  const master = readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => {
      const fields = line.split(/\s+/);
      if (/^[a-z]/.test(line) && fields[4] === 'y') fields[4] = 'n';
      if (fields[0] === 'smtp' && fields[1] === 'inet') fields[0] = `127.0.0.1:${postfixPort}`;
      return /^\s/.test(line) ? line : fields.join('  ');
    });
  writeFileSync(join(dir, 'master.cf'), `${master.join('\n')}\n`);
  const started = await postfix('start');
  if (!/starting the Postfix mail system/.test(started.stdout) || /fatal/.test(started.stdout)) throw new Error(`postfix did not start: ${started.stdout}`);
}, 30_000);

afterAll(async () => {
  if (!canRun) return;
  await postfix('stop');
  rmSync(dir, { recursive: true, force: true });
  await sim.stop();
});

describe.skipIf(!canRun)('Postfix relaying to mailsim', () => {
  it('Postfix gets 250 from mailsim, and the DSN lands addressed to the sender (VERP) after the clock moves', async () => {
    await useScenario(sim, { name: 'relay-bounce', rules: [{ name: 'unknown', when: { phase: 'rcpt', recipient: 'gone@*' }, action: { bounce: { after: '1h', reply: '550 5.1.1 <{recipient}>: User unknown' } } }] });
    const relayed = nextEvent(sim.harness.bus, 'message.received', (m) => m.Envelope.From === VERP, 20_000);
    const sent = await sendWithNodemailer(postfixPort, { envelope: { from: VERP, to: ['gone@example.org'] }, to: 'gone@example.org', subject: 'through postfix' });
    expect(sent.ok).toBe(true);
    const original = await relayed;
    expect(original.Envelope.To).toEqual(['gone@example.org']);
    // Postfix's log says mailsim answered 250 (status=sent).
    await expect.poll(() => readFileSync(join(dir, 'postfix.log'), 'utf8'), { timeout: 10_000 }).toMatch(/to=<gone@example\.org>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent \(250 /);
    const bounced = nextEvent(sim.harness.bus, 'delivery.event', (e) => e.kind === 'bounced');
    await getJson(`${sim.url}/api/v1/clock`, { method: 'POST', body: JSON.stringify({ advance: '1h' }) });
    const event = await bounced;
    const list = (await getJson<MessagesSummary>(`${sim.url}/api/v1/messages`)).body.messages;
    expect(list.find((m) => m.ID === event.bounceId)!.Envelope).toEqual({ From: '', To: [VERP] });
  }, 30_000);
});
