import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodedError } from '../server/errors/catalogue.js';
import { waitCommand } from '../server/cli/wait.js';
import { sessionsClosed } from './helpers/events.js';
import { sendWithNodemailer } from './helpers/faults.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';
import { runCli, runCliToEnd } from './helpers/spawn.js';
import { nextWait } from './helpers/waits.js';

let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());

/** The real CLI in a child process (for exit codes and output as a shell sees them). */
const wait = (...args: string[]) => runCliToEnd(['wait', '--url', sim.url, ...args]);

/** The same command in this process (spawning costs seconds); a BAD_REQUEST error is what exits 2. */
async function waitHere(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  try {
    const code = await waitCommand(args, env, { out: (line) => (stdout += `${line}\n`), err: (line) => (stderr += `${line}\n`) });
    return { code, stdout, stderr };
  } catch (error) {
    if (error instanceof CodedError && error.code === 'BAD_REQUEST') return { code: error.exitCode, stdout, stderr: `${stderr}mailsim: ${error.message}\n` };
    throw error;
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('mailsim wait', () => {
  it('exits 0 when enough messages match, listing them; also when they arrive during the wait', async () => {
    for (const n of [1, 2]) expect((await sendWithNodemailer(sim.smtpPort, { to: 'ready@example.org', subject: `ready ${n}` })).ok).toBe(true);
    const done = await wait('--query', 'to:ready@example.org', '--count', '2', '--timeout', '5s');
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout.trim().split('\n').map((line) => /"([^"]+)"/.exec(line)?.[1])).toEqual(['ready 2', 'ready 1']);
    expect(done.stdout).toMatch(/app@example.com -> ready@example.org {2}"ready 2"/);

    const opened = nextWait(sim.harness.integrations.waits);
    const child = runCli(['wait', '--url', sim.url, '--query', 'subject:"late arrival"', '--timeout', '10s', '--json']);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = once(child, 'exit');
    await opened;
    expect((await sendWithNodemailer(sim.smtpPort, { to: 'late@example.org', subject: 'late arrival' })).ok).toBe(true);
    expect((await exited)[0]).toBe(0);
    expect((JSON.parse(stdout) as Array<{ Subject: string }>).map((m) => m.Subject)).toEqual(['late arrival']);
  });

  it('exits 1 on timeout with a readable report of what arrived instead', async () => {
    expect((await sendWithNodemailer(sim.smtpPort, { to: 'sales@example.org', subject: 'Quote 12' })).ok).toBe(true);
    const result = await wait('--query', 'to:nobody@example.org', '--count', '2', '--timeout', '300ms');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^mailsim wait: timed out after \d+ ms waiting for 2 messages matching "to:nobody@example.org": 0 matched$/);
    expect(lines.slice(1, 3)).toEqual(['matched:', '  (none)']);
    expect(lines[3]).toMatch(/^newest messages \(\d+ in the mailbox\):$/);
    expect(result.stderr).toMatch(/app@example.com -> sales@example.org {2}"Quote 12"/);
  });

  it('waits for sessions: --sessions --outcome deferred', async () => {
    const fault = await getJson(`${sim.url}/api/v1/faults`, {
      method: 'POST',
      body: JSON.stringify({ when: { phase: 'rcpt', recipient: 'flaky@example.org' }, action: { reply: { code: 451, enhanced: '4.3.0', text: 'Try later' } } }),
    });
    expect(fault.status).toBe(201);
    const since = new Date().toISOString();
    const closed = sessionsClosed(sim.harness.bus, 1);
    expect((await sendWithNodemailer(sim.smtpPort, { to: 'flaky@example.org' })).responseCode).toBe(451);
    await closed;
    const result = await waitHere(['--url', sim.url, '--sessions', '--outcome', 'deferred', '--since', since, '--timeout', '5s']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\S+ {2}127\.0\.0\.1:\d+ {2}deferred {2}451 4\.3\.0 Try later.*\(\S+\)\n$/);
    // The URL from MAILSIM_HTTP, as a CI job that set it for the server would have it.
    const none = await waitHere(['--sessions', '--outcome', 'rejected', '--since', since, '--timeout', '200ms'], { MAILSIM_HTTP: sim.url.replace('http://', '') });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/0 matched\nmatched:\n {2}\(none\)\nnewest sessions:\n {2}.* deferred {2}451/);
  });

  it('exits 2 on bad usage and 3 when mailsim cannot be reached', async () => {
    const url = ['--url', sim.url];
    const count = await waitHere([...url, '--count', 'zero']);
    const mixed = await waitHere([...url, '--outcome', 'deferred']);
    const help = await waitHere(['--help']);
    const unreachable = await waitHere(['--url', `http://127.0.0.1:${await closedPort()}`, '--timeout', '300ms']);
    expect([count.code, count.stderr]).toEqual([2, 'mailsim: wait --count: expected a positive whole number, got "zero"\n']);
    expect([mixed.code, mixed.stderr]).toEqual([2, 'mailsim: wait: --outcome, --client, --user and --since go with --sessions\n']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: mailsim wait [options]');
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/^mailsim wait: cannot reach mailsim at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
  });
});
