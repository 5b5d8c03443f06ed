import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { connect as connectTls } from 'node:tls';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { logTo } from '../server/ports/log.js';
import { MaildropLocks } from '../server/pop3/maildrop-locks.js';
import { Pop3Server } from '../server/pop3/pop3-server.js';
import { Certificates } from '../server/tls/certificates.js';
import { TlsContexts } from '../server/tls/contexts.js';
import { MemoryMaildrops } from './helpers/memory-maildrops.js';
import { python, type RunResult } from './helpers/processes.js';
import { TEST_TLS_DIR } from './helpers/sim.js';

// Real POP3 clients against mailsim's POP3 listeners: Python's poplib, fetchmail, getmail6
// and mpop from Debian, everything on 127.0.0.1 and in a temporary directory.

const BOX = 'bounce+123-res.partner-7@example.com';
const cafile = join(TEST_TLS_DIR, 'ca.pem');
const message = (n: number) => `From: MAILER-DAEMON@mailsim.test\r\nTo: ${BOX}\r\nSubject: bounce ${n}\r\nMessage-ID: <b${n}@mailsim.test>\r\n\r\nbody ${n}\r\n.hidden dot line\r\n`;

const drops = new MemoryMaildrops();
const locks = new MaildropLocks();
const servers: Record<'plain' | 'starttls' | 'tls', Pop3Server> = {} as never;
const ports: Record<'plain' | 'starttls' | 'tls', number> = {} as never;
let work: string;
/** How each session logged in, from the server's own log lines. */
const logins: Array<{ method: string; tls: boolean }> = [];
const log = logTo((_level, message, fields) => {
  if (message === 'pop3 login') logins.push({ method: fields.method as string, tls: fields.tls as boolean });
});

beforeAll(async () => {
  const certificates = await Certificates.open(TEST_TLS_DIR, ['localhost', '127.0.0.1', '::1', 'mailsim.test']);
  const contexts = TlsContexts.create(certificates);
  for (const mode of ['plain', 'starttls', 'tls'] as const) {
    servers[mode] = new Pop3Server({ host: '127.0.0.1', port: 0, mode, maildrops: drops, locks, log, secureContext: () => contexts.forFault('none') });
    ports[mode] = (await servers[mode].listen()).port;
  }
});
afterAll(() => Promise.all(Object.values(servers).map((server) => server.close())));
beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), 'mailsim-pop3-'));
  logins.length = 0;
  await drops.remove(BOX, drops.ids(BOX));
  drops.add(BOX, message(1));
  drops.add(BOX, message(2));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** Runs a program with HOME in the work directory, so no client touches the real home. */
function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 20_000, env: { ...process.env, HOME: work, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function poplib(body: string): Promise<string> {
  const script = `import poplib, ssl, sys\nctx = ssl.create_default_context(cafile=${JSON.stringify(cafile)})\n${body}`;
  const result = await python(script);
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

describe("Python's poplib", () => {
  it('USER/PASS, STAT, LIST, UIDL, TOP, RETR, DELE, QUIT: fetches, deletes, and the mailbox is empty after', async () => {
    const out = await poplib(`
p = poplib.POP3('127.0.0.1', ${ports.plain}, timeout=5)
print(p.getwelcome().decode())
print(sorted(p.capa()))
print(p.user('${BOX}').decode()); print(p.pass_('any').decode())
print(p.stat())
print(p.list()[1])
print([u.decode().split()[0] for u in p.uidl()[1]])
print(p.top(1, 0)[1][2].decode())
resp, lines, octets = p.retr(2)
print(lines[-1].decode(), octets)
for i in range(1, p.stat()[0] + 1): p.dele(i)
print(p.quit().decode())
p = poplib.POP3('127.0.0.1', ${ports.plain}, timeout=5)
p.user('${BOX.toUpperCase()}'); p.pass_('any')
print(p.stat()); p.quit()`);
    const lines = out.split('\n');
    expect(lines[0]).toBe('+OK mailsim POP3 server ready');
    expect(lines[1]).toBe("['AUTH-RESP-CODE', 'IMPLEMENTATION', 'PIPELINING', 'RESP-CODES', 'SASL', 'TOP', 'UIDL', 'USER']");
    expect(lines[3]).toMatch(/^\+OK bounce\+123-res.partner-7@example.com has 2 messages \(\d+ octets\)$/);
    expect(lines[4]).toMatch(/^\(2, \d+\)$/);
    expect(lines[7]).toBe('Subject: bounce 1');
    // poplib undoes the byte-stuffing; its octet count includes the stuffing dot and line ends.
    expect(lines[8]).toMatch(/^\.hidden dot line \d+$/);
    expect(lines[9]).toBe('+OK mailsim POP3 server signing off (maildrop empty)');
    expect(lines[10]).toBe('(0, 0)');
    expect(drops.ids(BOX)).toEqual([]);
  });

  it('STLS verified against mailsim\'s CA; CAPA drops STLS once TLS is up', async () => {
    const out = await poplib(`
p = poplib.POP3('127.0.0.1', ${ports.starttls}, timeout=5)
print('STLS' in p.capa())
print(p.stls(context=ctx).decode())
print('STLS' in p.capa(), p.sock.version())
p.user('${BOX}'); p.pass_('x'); print(p.stat()[0]); p.dele(1); print(p.quit().decode())`);
    expect(out.split('\n')).toEqual(['True', '+OK Begin TLS negotiation', 'False TLSv1.3', '2', '+OK mailsim POP3 server signing off (1 messages left)']);
    expect(drops.ids(BOX)).toHaveLength(1);
  });

  it('implicit TLS (POP3_SSL, port 995 style) verified against the CA', async () => {
    const out = await poplib(`
p = poplib.POP3_SSL('127.0.0.1', ${ports.tls}, context=ctx, timeout=5)
print(p.getwelcome().decode(), p.sock.version()); p.user('${BOX}'); p.pass_('x'); print(p.stat()[0]); p.quit()`);
    expect(out).toBe('+OK mailsim POP3 server ready TLSv1.3\n2');
  });

  it('a client that drops mid-session (DELE, no QUIT) deletes nothing', async () => {
    const out = await poplib(`
p = poplib.POP3('127.0.0.1', ${ports.plain}, timeout=5)
p.user('${BOX}'); p.pass_('x'); p.dele(1); p.dele(2); p.sock.close(); p.file.close()
p = poplib.POP3('127.0.0.1', ${ports.plain}, timeout=5)
p.user('${BOX}'); p.pass_('x'); print(p.stat()[0]); p.quit()`);
    expect(out).toBe('2');
    expect(drops.ids(BOX)).toHaveLength(2);
  });
});

describe('TLS misuse is the client\'s problem, not the server\'s', () => {
  /** Reads from a socket until `pattern` matches what arrived. */
  function reader(socket: NodeJS.ReadWriteStream) {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    return async (pattern: RegExp) => {
      while (!pattern.test(text)) await new Promise((resolve) => socket.once('data', resolve));
      return text;
    };
  }

  it('commands pipelined after STLS in plaintext are discarded, never run under TLS (the STARTTLS injection flaw, CVE-2011-0411)', async () => {
    const plain = connectTcp(ports.starttls, '127.0.0.1');
    const readPlain = reader(plain);
    await readPlain(/ready\r\n/);
    plain.write(`STLS\r\nUSER ${BOX}\r\n`);
    await readPlain(/Begin TLS negotiation\r\n/);
    plain.removeAllListeners('data');
    const secure = connectTls({ socket: plain, servername: 'localhost', ca: readFileSync(cafile) });
    await new Promise((resolve) => secure.once('secureConnect', resolve));
    const readSecure = reader(secure);
    secure.write('PASS x\r\n');
    expect(await readSecure(/\r\n/)).toBe('-ERR Send USER first\r\n');
    secure.write('STLS\r\n');
    expect(await readSecure(/\r\n.*\r\n/)).toContain('-ERR Command not permitted when TLS active\r\n');
    secure.destroy();
  });

  it('plaintext on the implicit-TLS port, and a TLS handshake on the plain port, fail alone; the next client is served', async () => {
    const plaintext = connectTcp(ports.tls, '127.0.0.1');
    plaintext.on('error', () => {});
    plaintext.write(`USER ${BOX}\r\n`);
    await new Promise((resolve) => plaintext.once('close', resolve));
    const handshake = connectTls({ port: ports.plain, host: '127.0.0.1', rejectUnauthorized: false });
    const failed = await new Promise<Error>((resolve) => handshake.once('error', resolve));
    expect(failed.message).toMatch(/wrong version number|packet length too long|ECONNRESET|socket disconnected/);
    const out = await poplib(`
p = poplib.POP3_SSL('127.0.0.1', ${ports.tls}, context=ctx, timeout=5)
p.user('${BOX}'); p.pass_('x'); print(p.stat()[0]); p.quit()`);
    expect(out).toBe('2');
  });
});

describe('Debian POP3 clients', () => {
  it('fetchmail (POP3, --mda to a file) fetches both, deletes them, and the mailbox is empty after', async () => {
    const out = join(work, 'out.mbox');
    const rc = join(work, 'fetchmailrc');
    writeFileSync(rc, `set no syslog\nset idfile "${join(work, 'fetchids')}"\npoll 127.0.0.1 with proto POP3 port ${ports.plain}\n  user "${BOX}" there with password "x" is "nobody" here\n  options no keep fetchall sslproto '' mda "/bin/sh -c 'cat >> ${out}'"\n`, { mode: 0o600 });
    const result = await run('fetchmail', ['-f', rc, '--nodetach', '--pidfile', join(work, 'pid'), '-v']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const mbox = readFileSync(out, 'utf8');
    expect(mbox).toContain('Subject: bounce 1');
    expect(mbox).toContain('Subject: bounce 2');
    expect(mbox).toContain('\n.hidden dot line');
    expect(drops.ids(BOX)).toEqual([]);
    // A second run finds nothing: fetchmail exits 1 for "no mail".
    expect((await run('fetchmail', ['-f', rc, '--nodetach', '--pidfile', join(work, 'pid')])).code).toBe(1);
  });

  it('fetchmail over STLS with sslcertck and mailsim\'s CA', async () => {
    const out = join(work, 'out.mbox');
    const rc = join(work, 'fetchmailrc');
    writeFileSync(rc, `set no syslog\npoll localhost with proto POP3 port ${ports.starttls}\n  user "${BOX}" there with password "x" is "nobody" here\n  options no keep fetchall sslproto 'TLS1.2+' sslcertck sslcertfile "${cafile}" mda "/bin/sh -c 'cat >> ${out}'"\n`, { mode: 0o600 });
    const result = await run('fetchmail', ['-f', rc, '--nodetach', '--pidfile', join(work, 'pid'), '-v']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/STLS|TLS/);
    expect(readFileSync(out, 'utf8')).toContain('Subject: bounce 2');
    expect(drops.ids(BOX)).toEqual([]);
    expect(logins).toEqual([{ method: 'USER', tls: true }]);
  });

  it('getmail6 (SimplePOP3SSLRetriever to a Maildir, delete = true) over implicit TLS', async () => {
    const maildir = join(work, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true, mode: 0o777 });
    // getmail refuses to deliver as root; as root (CI here) it delivers as `nobody` instead.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) for (const dir of [work, maildir, ...['cur', 'new', 'tmp'].map((sub) => join(maildir, sub))]) chmodSync(dir, 0o777);
    writeFileSync(
      join(work, 'getmailrc'),
      `[retriever]\ntype = SimplePOP3SSLRetriever\nserver = localhost\nport = ${ports.tls}\nusername = ${BOX}\npassword = x\nca_certs = ${cafile}\n\n[destination]\ntype = Maildir\npath = ${maildir}/\n${asRoot ? 'user = nobody\n' : ''}\n[options]\ndelete = true\nread_all = true\nverbose = 1\n`,
    );
    const result = await run('getmail', ['--getmaildir', work, '--rcfile', 'getmailrc']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const fetched = readdirSync(join(maildir, 'new')).map((name) => readFileSync(join(maildir, 'new', name), 'utf8'));
    expect(fetched.map((text) => /Subject: (.*)/.exec(text)?.[1]).sort()).toEqual(['bounce 1', 'bounce 2']);
    expect(drops.ids(BOX)).toEqual([]);
  });

  it('mpop (AUTH PLAIN, STLS, delivery to a Maildir) fetches and deletes', async () => {
    const maildir = join(work, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    const result = await run('mpop', [
      '--host=localhost',
      `--port=${ports.starttls}`,
      '--tls=on',
      '--tls-starttls=on',
      `--tls-trust-file=${cafile}`,
      '--auth=plain',
      `--user=${BOX}`,
      '--passwordeval=echo x',
      `--delivery=maildir,${maildir}`,
      '--keep=off',
      `--uidls-file=${join(work, 'uidls')}`,
    ]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(readdirSync(join(maildir, 'new'))).toHaveLength(2);
    expect(drops.ids(BOX)).toEqual([]);
    expect(logins).toEqual([{ method: 'PLAIN', tls: true }]);
  });
});
