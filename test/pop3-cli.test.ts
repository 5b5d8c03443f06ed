import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { python, run } from './helpers/processes.js';
import { printed, spawnMailsim } from './helpers/spawn.js';
import { TEST_TLS_DIR } from './helpers/dirs.js';

// --pop3 through the built CLI: the start-up line names the real port, --pop3-auth-file (a file
// written by Apache's htpasswd) decides logins, Mailpit's MP_POP3_* variables work, and SIGTERM
// ends open POP3 sessions without deleting what they marked.

const FREE = ['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', ':memory:', '--tls-dir', TEST_TLS_DIR];
const cafile = join(TEST_TLS_DIR, 'ca.pem');
const popPort = (output: string) => Number(/^ {2}POP3 {2}127\.0\.0\.1:(\d+) {2}\((\w+)\)$/m.exec(output)?.[1]);

describe('mailsim --pop3', () => {
  it('implicit TLS on a free port, real passwords from --pop3-auth-file, and a clean SIGTERM with a session open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailsim-pop3-cli-'));
    const file = join(dir, 'pop3.htpasswd');
    const made = await run('htpasswd', ['-bcB', file, 'bounce@app.example', 's3cret']);
    expect(made.code, made.stderr).toBe(0);
    const sim = await spawnMailsim([...FREE, '--pop3', '127.0.0.1:0,tls', '--pop3-auth-file', file]);
    try {
      expect(sim.output()).toMatch(/^ {2}POP3 {2}127\.0\.0\.1:\d+ {2}\(tls\)$/m);
      const port = popPort(sim.output());
      expect(port).toBeGreaterThan(0);
      const result = await python(`
import poplib, ssl
ctx = ssl.create_default_context(cafile=${JSON.stringify(cafile)})
p = poplib.POP3_SSL('localhost', ${port}, context=ctx, timeout=5)
p.user('bounce@app.example')
try:
    p.pass_('wrong')
except poplib.error_proto as e:
    print(e.args[0].decode())
p.user('bounce@app.example'); print(p.pass_('s3cret').decode())
print(p.noop().decode())
import sys; sys.stdout.flush()
import os, signal; os.kill(${sim.child.pid}, signal.SIGTERM)
try:
    while True: p.noop()
except Exception as e:
    print('closed')`);
      expect(result.stdout.trim().split('\n'), result.stderr).toEqual([
        '-ERR [AUTH] Invalid user name or password',
        '+OK bounce@app.example has 0 messages (0 octets)',
        '+OK',
        'closed',
      ]);
      expect((await sim.exited).code).toBe(0);
    } finally {
      sim.child.kill();
    }
  });

  it("Mailpit's MP_POP3_BIND_ADDR and MP_POP3_AUTH start it as Mailpit would", async () => {
    const sim = await spawnMailsim([...FREE, '--log-format', 'json'], { MP_POP3_BIND_ADDR: '127.0.0.1:0', MP_POP3_AUTH: 'qa@app.example:pw' });
    try {
      const port = popPort(sim.output());
      // The JSON ready line (stderr, after the banner) names the POP3 address too.
      await printed(sim, '"msg":"ready"');
      expect(sim.output()).toContain(`"pop3":"127.0.0.1:${port}"`);
      const result = await python(`
import poplib
p = poplib.POP3('127.0.0.1', ${port}, timeout=5)
p.user('qa@app.example'); print(p.pass_('pw').decode()); p.quit()`);
      expect(result.stdout.trim(), result.stderr).toBe('+OK qa@app.example has 0 messages (0 octets)');
      expect(sim.output()).not.toContain('is ignored');
    } finally {
      sim.child.kill('SIGTERM');
      await sim.exited;
    }
  });

  it('refuses a bad mode with the option named', async () => {
    const { runCliToEnd } = await import('./helpers/spawn.js');
    const result = await runCliToEnd([...FREE, '--pop3', '127.0.0.1:0,ssl']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--pop3: "ssl" is not a POP3 mode (plain, starttls, tls)');
  });
});
