import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfClose, sendOne } from './helpers/hostile-smtp.js';
import { getJson, TEST_TLS_DIR } from './helpers/sim.js';
import { spawnMailsim, type Spawned } from './helpers/spawn.js';

// Issue 9, item 1: smtp-server flushes an unterminated last line without a callback when the
// client half-closes; every place mailsim answers a command itself called that callback. The
// real CLI runs as its own process, so a crash shows as an exit, not as a dead test worker.
let sim: Spawned;
let exit: { code: number | null } | undefined;
const port = { plain: 0, starttls: 0, gmail: 0, rules: 0 };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-crash-'));
  writeFileSync(
    join(dir, 'rules.yaml'),
    [
      'rules:',
      '  - { name: no-rset, when: { phase: rset }, action: { reply: { code: 451, enhanced: 4.3.0, text: not now } } }',
      '  - { name: no-quit, when: { phase: quit }, action: { reply: { code: 421, enhanced: 4.3.2, text: bye } } }',
      '  - { name: no-data, when: { phase: data-start, sender: "nodata@*" }, action: { reply: { code: 554, enhanced: 5.7.1, text: no data } } }',
      '  - { name: no-mail, when: { phase: mail, sender: "blocked@*" }, action: { reply: { code: 550, enhanced: 5.7.1, text: no } } }',
      '',
    ].join('\n'),
  );
  sim = await spawnMailsim([
    ...['--smtp', '127.0.0.1:0=plain', '--smtp', '127.0.0.1:0=starttls', '--smtp', '127.0.0.1:0=plain,gmail', '--smtp', '127.0.0.1:0=plain,rules'],
    ...['--http', '127.0.0.1:0', '--db', ':memory:', '--scenarios', dir, '--tls-dir', TEST_TLS_DIR, '--hostname', 'mailsim.test'],
  ]);
  void sim.exited.then((e) => (exit = e));
  [port.plain, port.starttls, port.gmail, port.rules] = sim.smtpPorts as [number, number, number, number];
}, 30_000);
afterAll(() => {
  sim.child.kill('SIGKILL');
});

// Node ends the writable side once the client's FIN arrives (allowHalfOpen is off), so the
// reply to the flushed line cannot reach the client: what counts is that nothing dies.
async function survives(listener: number, input: string): Promise<void> {
  await halfClose(listener, input);
  // The next client on the same listener and on the plain one still gets its 250.
  expect(await sendOne(listener === port.gmail ? port.plain : listener)).toMatch(/^250 /);
  expect(await sendOne(port.plain)).toMatch(/^250 /);
  expect(exit, sim.output()).toBeUndefined();
}

describe('an unterminated last line followed by a half-close (item 1)', () => {
  it('STARTTLS where it is not offered', async () => {
    await survives(port.plain, 'EHLO x\r\nSTARTTLS');
  });

  it('STARTTLS where it is offered', async () => {
    await survives(port.starttls, 'EHLO x\r\nSTARTTLS');
  });

  it('AUTH with a mechanism the persona does not offer', async () => {
    await survives(port.plain, 'EHLO x\r\nAUTH FOO');
  });

  it('AUTH XOAUTH2 with a token', async () => {
    const token = Buffer.from('user=a@b.c\x01auth=Bearer abc\x01\x01').toString('base64');
    await survives(port.plain, `EHLO x\r\nAUTH XOAUTH2 ${token}`);
  });

  it('AUTH before TLS against a persona that requires TLS first', async () => {
    await survives(port.gmail, 'EHLO x\r\nAUTH PLAIN AGEAYg==');
  });

  it('commands that a scenario rule answers', async () => {
    await survives(port.rules, 'EHLO x\r\nRSET');
    await survives(port.rules, 'EHLO x\r\nQUIT');
    await survives(port.rules, 'EHLO x\r\nMAIL FROM:<nodata@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA');
    await survives(port.rules, 'EHLO x\r\nMAIL FROM:<blocked@b.c>');
  });

  it('a command a one-shot fault answers', async () => {
    const created = await getJson(`${sim.url}/api/v1/faults`, {
      method: 'POST',
      body: JSON.stringify({ when: { phase: 'helo' }, count: 1, action: { reply: { code: 421, enhanced: '4.7.0', text: 'one-shot' } } }),
    });
    expect(created.status).toBe(201);
    await survives(port.plain, 'EHLO x');
    // The flushed line did reach the engine: the fault is used up.
    const faults = await getJson<{ faults: { Remaining: number }[] }>(`${sim.url}/api/v1/faults`);
    expect(faults.body.faults).toEqual([expect.objectContaining({ Remaining: 0 })]);
  });

  it('a command chaos answers', async () => {
    await getJson(`${sim.url}/api/v1/chaos`, { method: 'PUT', body: JSON.stringify({ Sender: { ErrorCode: 451, Probability: 100 } }) });
    try {
      await halfClose(port.plain, 'EHLO x\r\nMAIL FROM:<a@b.c>');
    } finally {
      await getJson(`${sim.url}/api/v1/chaos`, { method: 'PUT', body: '{}' });
    }
    expect(await sendOne(port.plain)).toMatch(/^250 /);
    expect(exit, sim.output()).toBeUndefined();
  });
});
