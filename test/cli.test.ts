import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MessagesSummary } from '../server/protocol.js';
import { RawSmtp } from './helpers/raw-smtp.js';
import { getJson } from './helpers/sim.js';
import { runCliReporting, runCliToEnd } from './helpers/spawn.js';
import { spawnedPerTest } from './helpers/spawned-per-test.js';

const start = spawnedPerTest();

const FREE = ['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0'];

describe('mailsim CLI', () => {
  it('prints help and version', async () => {
    const [help, version] = await Promise.all([runCliToEnd(['--help']), runCliToEnd(['--version'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--max-message-size BYTES');
    expect(help.stdout).toContain('MAILSIM_SMTP');
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 with a clear message on a bad option', async () => {
    const [bad, env] = await Promise.all([runCliToEnd(['--max-messages', 'many']), runCliToEnd([], { MAILSIM_HTTP: 'nowhere' })]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('mailsim: --max-messages: expected a positive whole number, got "many"\n');
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/--http: expected HOST:PORT/);
  });

  it('explains a port that is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const result = await runCliToEnd(['--smtp', `127.0.0.1:${port}`, '--http', '127.0.0.1:0', '--db', ':memory:']);
    blocker.close();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`127.0.0.1:${port} is already in use`);
  });

  it('starts on free ports, prints the real addresses and keeps its database in the data directory', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailsim-home-'));
    const proc = await start(FREE, { MAILSIM_HOME: home });
    expect(proc.smtpPorts).toHaveLength(1);
    expect(proc.smtpPorts[0]).toBeGreaterThan(0);
    expect(proc.output()).toContain(`DB    ${join(home, 'mailsim.db')}`);
    expect(await fetch(`${proc.url}/readyz`).then((r) => r.status)).toBe(200);
  });

  it('on SIGTERM tells idle clients 421, lets a message in DATA finish and then says 421 too, and exits 0', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'mailsim-sig-')), 'm.db');
    const proc = await start([...FREE, '--db', db]);
    const port = proc.smtpPorts[0]!;
    const idle = await RawSmtp.open(port);
    await idle.reply();
    const busy = await RawSmtp.openToData(port, { helo: 'busy.test' });
    busy.write('Subject: in flight\r\n\r\nfirst half, ');

    proc.child.kill('SIGTERM');
    expect(await idle.reply()).toBe('421 4.3.2 Service shutting down, try again later');
    busy.write('second half\r\n.\r\n');
    expect(await busy.reply()).toMatch(/^250 2\.6\.0 Ok: queued as /);
    // Unasked: a client that goes idle after its 250 must not hold the stop for the grace period.
    expect(await busy.reply()).toBe('421 4.3.2 Service shutting down, try again later');
    expect(await proc.exited).toEqual({ code: 0, signal: null });

    const again = await start([...FREE, '--db', db]);
    const list = (await getJson<MessagesSummary>(`${again.url}/api/v1/messages`)).body;
    expect(list.messages.map((m) => m.Subject)).toEqual(['in flight']);
  });

  it('exits 0 on SIGINT', async () => {
    const proc = await start([...FREE, '--db', ':memory:']);
    proc.child.kill('SIGINT');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.output()).toContain('SIGINT: finishing open transactions and closing');
  });

  it('prints nothing with --quiet', async () => {
    const { child, listening } = runCliReporting([...FREE, '--db', ':memory:', '--quiet']);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit');
    // The SMTP listener opens first, then HTTP; /readyz turns 200 once the start-up sweep is done,
    // a few milliseconds after HTTP listens (each try is a real request, no sleep between; a
    // deadline, so that a mailsim that never gets ready fails here and says so).
    const [, http] = await listening(2);
    const deadline = Date.now() + 10_000;
    while ((await fetch(`http://127.0.0.1:${http}/readyz`)).status !== 200) expect(Date.now(), '/readyz stayed 503 for 10 s').toBeLessThan(deadline);
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    expect(output).toBe('');
  });
});
