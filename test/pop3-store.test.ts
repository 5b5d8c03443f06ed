import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nextEvent } from './helpers/events.js';
import { python, type RunResult } from './helpers/processes.js';
import { getJson, startSim, TEST_TLS_DIR, type TestSim } from './helpers/sim.js';

// The store's maildrops over --pop3, with real clients: mail captured over SMTP (nodemailer),
// fetched and deleted with Python's poplib and fetchmail, and what the API and the bus say after.

let sim: TestSim;
let pop3: number;
let work: string;
const cafile = join(TEST_TLS_DIR, 'ca.pem');

beforeAll(async () => {
  sim = await startSim({ pop3: { host: '127.0.0.1', port: 0 } });
  pop3 = sim.harness.pop3.info().Port;
});
afterAll(() => sim.stop());
beforeEach(async () => {
  await sim.harness.reset();
  work = mkdtempSync(join(tmpdir(), 'mailsim-pop3-store-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function send(from: string, to: string[], subject: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, secure: false, ignoreTLS: true });
  const info = await transport.sendMail({ envelope: { from, to }, from, to: to.join(', '), subject, text: `body of ${subject}\n.a line with a dot\n` });
  transport.close();
  const { body } = await getJson(`${sim.url}/api/v1/search?query=${encodeURIComponent(`subject:"${subject}"`)}`);
  expect(info.accepted.length).toBe(to.length);
  return body.messages[0].ID as string;
}

async function poplib(body: string): Promise<string[]> {
  const result = await python(`import poplib, ssl\nctx = ssl.create_default_context(cafile=${JSON.stringify(cafile)})\n${body}`);
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout.trim().split('\n');
}

const exists = async (id: string) => (await fetch(`${sim.url}/api/v1/message/${id}/raw`)).status === 200;

describe('--pop3 over the store', () => {
  it('poplib: UIDL is the store ID, TOP and RETR serve the captured bytes, DELE+QUIT deletes, a second login finds it empty', async () => {
    const first = await send('app@example.com', ['Bounce@App.Example'], 'one');
    const second = await send('app@example.com', ['bounce@app.example'], 'two');
    await send('app@example.com', ['someone-else@example.org'], 'not for bounce');
    const deleted = nextEvent(sim.harness.bus, 'message.deleted');
    const out = await poplib(`
p = poplib.POP3('127.0.0.1', ${pop3}, timeout=5)
p.user('bounce@app.example'); p.pass_('anything')
print(p.stat()[0])
print(' '.join(u.decode().split()[1] for u in p.uidl()[1]))
print([l.decode() for l in p.top(1, 0)[1] if l.startswith(b'Subject')][0])
print(p.retr(2)[1][-1].decode())
p.dele(1); p.dele(2)
print(p.quit().decode())
p = poplib.POP3('127.0.0.1', ${pop3}, timeout=5)
p.user('BOUNCE@app.example'); p.pass_('x')
print(p.stat()); p.quit()`);
    expect(out).toEqual(['2', `${first} ${second}`, 'Subject: one', '.a line with a dot', '+OK mailsim POP3 server signing off (maildrop empty)', '(0, 0)']);
    // Their only maildrop is empty: the messages are gone from the store, and the UI is told.
    expect((await deleted).IDs).toEqual([first, second]);
    expect(await exists(first)).toBe(false);
    expect((await getJson(`${sim.url}/api/v1/messages`)).body.total).toBe(1);
  });

  it('a message to two recipients stays in the other maildrop, and in the API, until both have deleted it', async () => {
    const id = await send('app@example.com', ['alice@example.org', 'bob@example.org'], 'shared');
    const fetchAndDelete = (user: string) =>
      poplib(`
p = poplib.POP3('127.0.0.1', ${pop3}, timeout=5)
p.user('${user}'); p.pass_('x')
n = p.stat()[0]
print(n, ' '.join(u.decode().split()[1] for u in p.uidl()[1]))
for i in range(1, n + 1): p.dele(i)
p.quit()`);
    expect(await fetchAndDelete('alice@example.org')).toEqual([`1 ${id}`]);
    expect(await fetchAndDelete('alice@example.org')).toEqual(['0']);
    expect(await exists(id)).toBe(true);
    expect(await fetchAndDelete('bob@example.org')).toEqual([`1 ${id}`]);
    expect(await exists(id)).toBe(false);
  });

  it("Odoo's VERP bounce addresses (bounce+ID-model-RES@): each is in its own maildrop and in the bounce mailbox's (RFC 5233)", async () => {
    const a = await send('bounce+123-res.partner-7@app.example', ['bounce+123-res.partner-7@app.example'], 'verp a');
    const b = await send('bounce+124-res.partner-8@app.example', ['Bounce+124-res.partner-8@App.Example'], 'verp b');
    const uids = (user: string, dele = false) =>
      poplib(`
p = poplib.POP3('127.0.0.1', ${pop3}, timeout=5)
p.user('${user}'); p.pass_('x')
n = p.stat()[0]
print(n, ' '.join(u.decode().split()[1] for u in p.uidl()[1]))
if ${dele ? 'True' : 'False'}:
    for i in range(1, n + 1): p.dele(i)
p.quit()`);
    expect(await uids('bounce+123-res.partner-7@app.example')).toEqual([`1 ${a}`]);
    expect(await uids('bounce@app.example', true)).toEqual([`2 ${a} ${b}`]);
    // One mailbox, as on a server with recipient_delimiter = +: deleted there, gone here, and from the store.
    expect(await uids('bounce+123-res.partner-7@app.example')).toEqual(['0']);
    expect(await exists(a)).toBe(false);
    expect(await exists(b)).toBe(false);
  });

  it('STLS verified against mailsim\'s CA, and RSET keeps everything', async () => {
    await send('app@example.com', ['bounce@app.example'], 'tls');
    const out = await poplib(`
p = poplib.POP3('localhost', ${pop3}, timeout=5)
print('STLS' in p.capa())
p.stls(context=ctx)
print(p.sock.version().startswith('TLS'))
p.user('bounce@app.example'); p.pass_('x'); p.dele(1); p.rset()
print(p.quit().decode())`);
    expect(out).toEqual(['True', 'True', '+OK mailsim POP3 server signing off (1 messages left)']);
  });

  it('a message deleted from the API while a session holds it: RETR says it is gone, the session goes on', async () => {
    const id = await send('app@example.com', ['bounce@app.example'], 'vanishing');
    const out = await poplib(`
import urllib.request
p = poplib.POP3('127.0.0.1', ${pop3}, timeout=5)
p.user('bounce@app.example'); p.pass_('x')
urllib.request.urlopen(urllib.request.Request('${sim.url}/api/v1/messages', data=b'{"IDs": ["${id}"]}', method='DELETE'))
try:
    p.retr(1)
except poplib.error_proto as e:
    print(e.args[0].decode())
print(p.noop().decode()); p.dele(1); print(p.quit().decode())`);
    expect(out).toEqual(['-ERR No such message: 1 is gone', '+OK', '+OK mailsim POP3 server signing off (maildrop empty)']);
  });

  it('fetchmail fetches and deletes; a second run finds the mailbox empty', async () => {
    await send('app@example.com', ['catchall@app.example'], 'for fetchmail 1');
    await send('app@example.com', ['catchall@app.example', 'other@app.example'], 'for fetchmail 2');
    const out = join(work, 'out.mbox');
    const rc = join(work, 'fetchmailrc');
    writeFileSync(rc, `set no syslog\npoll 127.0.0.1 with proto POP3 port ${pop3}\n  user "catchall@app.example" there with password "x" is "nobody" here\n  options no keep fetchall sslproto '' mda "/bin/sh -c 'cat >> ${out}'"\n`, { mode: 0o600 });
    const first = await run('fetchmail', ['-f', rc, '--nodetach', '--pidfile', join(work, 'pid')]);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const mbox = readFileSync(out, 'utf8');
    expect(mbox).toContain('Subject: for fetchmail 1');
    expect(mbox).toContain('Subject: for fetchmail 2');
    // fetchmail exits 1 for "no mail".
    expect((await run('fetchmail', ['-f', rc, '--nodetach', '--pidfile', join(work, 'pid')])).code).toBe(1);
    // The second message is still other@'s.
    const { body } = await getJson(`${sim.url}/api/v1/messages`);
    expect(body.messages.map((m: { Subject: string }) => m.Subject)).toEqual(['for fetchmail 2']);
  });

  it('mpop (AUTH PLAIN over STLS, to a Maildir) fetches a bounce and deletes it from mailsim', async () => {
    const id = await send('app@example.com', ['bounce@app.example'], 'for mpop');
    const maildir = join(work, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    const result = await run('mpop', ['--host=localhost', `--port=${pop3}`, '--tls=on', '--tls-starttls=on', `--tls-trust-file=${cafile}`, '--auth=plain', '--user=bounce@app.example', '--passwordeval=echo x', `--delivery=maildir,${maildir}`, '--keep=off', `--uidls-file=${join(work, 'uidls')}`]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const [file] = readdirSync(join(maildir, 'new'));
    expect(readFileSync(join(maildir, 'new', file!), 'utf8')).toContain('Subject: for mpop');
    expect(await exists(id)).toBe(false);
  });

  it('GET /api/v1/pop3 names the listener', async () => {
    const { body } = await getJson(`${sim.url}/api/v1/pop3`);
    expect(body).toEqual({ Enabled: true, Address: '127.0.0.1', Port: pop3, Mode: 'starttls', Auth: 'any', OpenSessions: 0 });
  });
});

function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 20_000, env: { ...process.env, HOME: work, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
