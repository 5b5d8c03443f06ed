import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logTo } from '../server/ports/log.js';
import { crlfOctets } from '../server/ports/maildrops.js';
import { MaildropLocks } from '../server/pop3/maildrop-locks.js';
import { Pop3Server } from '../server/pop3/pop3-server.js';
import { MemoryMaildrops } from './helpers/memory-maildrops.js';
import { RawPop3 } from './helpers/raw-pop3.js';

const BOX = 'bounce@example.com';
const FIRST = 'From: a@example.org\nTo: bounce@example.com\nSubject: one\n\nline 1\n.starts with a dot\nline 3\n';
const SECOND = 'From: b@example.org\r\nSubject: two\r\n\r\nbody\r\n..two dots\r\nno final line end';

let drops: MemoryMaildrops;
let server: Pop3Server;
let port: number;
const logs: string[] = [];
const clients: RawPop3[] = [];

async function start(options: Partial<ConstructorParameters<typeof Pop3Server>[0]> = {}): Promise<void> {
  drops = new MemoryMaildrops();
  server = new Pop3Server({
    host: '127.0.0.1',
    port: 0,
    mode: 'plain',
    maildrops: drops,
    log: logTo((level, message, fields) => logs.push(`${level} ${message} ${JSON.stringify(fields)}`)),
    ...options,
  });
  port = (await server.listen()).port;
}

async function open(): Promise<RawPop3> {
  const client = await RawPop3.open(port);
  clients.push(client);
  await client.until(/^\+OK.*\r\n/);
  return client;
}

async function login(user = BOX): Promise<RawPop3> {
  const client = await open();
  expect(await client.command(`USER ${user}`)).toMatch(/^\+OK/);
  expect(await client.command('PASS secret')).toMatch(/^\+OK/);
  return client;
}

const multi = /\r\n\.\r\n$/;

/** A fresh server and maildrops for every test; `restart` when a test needs other options. */
beforeEach(() => start());
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

async function restart(options: Partial<ConstructorParameters<typeof Pop3Server>[0]>): Promise<void> {
  await server.close();
  await start(options);
}

describe('POP3 transaction model (RFC 1939)', () => {
  it('greets, lists its capabilities (RFC 2449) and offers no STLS on a plain listener', async () => {
    const client = await open();
    expect(client.text).toBe('+OK mailsim POP3 server ready\r\n');
    const capa = await client.command('CAPA', multi);
    expect(capa.split('\r\n')).toEqual(['+OK Capability list follows', 'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'IMPLEMENTATION mailsim', 'USER', 'SASL PLAIN', '.', '']);
  });

  it('numbers a snapshot 1..n, counts octets with CRLF line ends and byte-stuffs lines that start with a dot', async () => {
    drops.add(BOX, FIRST);
    drops.add(BOX, SECOND);
    const client = await login();
    expect(client.text).toContain(`+OK ${BOX} has 2 messages (${crlfOctets(Buffer.from(FIRST)) + crlfOctets(Buffer.from(SECOND))} octets)`);
    expect(await client.command('STAT')).toBe(`+OK 2 ${crlfOctets(Buffer.from(FIRST)) + crlfOctets(Buffer.from(SECOND))}\r\n`);
    expect(await client.command('LIST', multi)).toMatch(/^\+OK 2 messages \(\d+ octets\)\r\n1 \d+\r\n2 \d+\r\n\.\r\n$/);
    const uidl = await client.command('UIDL', multi);
    const [id1, id2] = drops.ids(BOX);
    expect(uidl).toBe(`+OK\r\n1 uid-${id1}\r\n2 uid-${id2}\r\n.\r\n`);
    const retr = await client.command('RETR 1', multi);
    const [status, ...rest] = retr.split('\r\n');
    const body = rest.join('\r\n');
    expect(status).toBe(`+OK ${crlfOctets(Buffer.from(FIRST))} octets`);
    expect(body).toBe('From: a@example.org\r\nTo: bounce@example.com\r\nSubject: one\r\n\r\nline 1\r\n..starts with a dot\r\nline 3\r\n.\r\n');
    // The size LIST reports is what RETR sends once the stuffing is undone.
    expect(Buffer.byteLength(body.slice(0, -3).replace(/^\.\./gm, '.'))).toBe(crlfOctets(Buffer.from(FIRST)));
    expect(await client.command('RETR 2', multi)).toBe(`+OK ${crlfOctets(Buffer.from(SECOND))} octets\r\nFrom: b@example.org\r\nSubject: two\r\n\r\nbody\r\n...two dots\r\nno final line end\r\n.\r\n`);
    expect(await client.command('TOP 1 1', multi)).toBe('+OK Top of message follows\r\nFrom: a@example.org\r\nTo: bounce@example.com\r\nSubject: one\r\n\r\nline 1\r\n.\r\n');
    expect(await client.command('TOP 2 0', multi)).toBe('+OK Top of message follows\r\nFrom: b@example.org\r\nSubject: two\r\n\r\n.\r\n');
    expect(await client.command('LIST 2')).toBe(`+OK 2 ${crlfOctets(Buffer.from(SECOND))}\r\n`);
    expect(await client.command('RETR 3')).toBe('-ERR No such message, only 2 messages in maildrop\r\n');
    expect(await client.command('QUIT')).toBe('+OK mailsim POP3 server signing off (2 messages left)\r\n');
  });

  it('DELE only marks; RSET unmarks; QUIT (UPDATE) deletes; UIDs stay the same across sessions', async () => {
    const [a, b, c] = [drops.add(BOX, 'Subject: a\n\na\n'), drops.add(BOX, 'Subject: b\n\nb\n'), drops.add(BOX, 'Subject: c\n\nc\n')];
    let client = await login();
    const before = await client.command('UIDL', multi);
    expect(await client.command('DELE 2')).toBe('+OK Message 2 deleted\r\n');
    expect(await client.command('DELE 2')).toBe('-ERR Message 2 already deleted\r\n');
    expect(await client.command('RETR 2')).toBe('-ERR Message 2 already deleted\r\n');
    expect(await client.command('STAT')).toMatch(/^\+OK 2 /);
    expect(await client.command('LIST', multi)).toMatch(/^\+OK 2 messages .*\r\n1 \d+\r\n3 \d+\r\n\.\r\n$/);
    expect(await client.command('RSET')).toMatch(/^\+OK Maildrop has 3 messages/);
    expect(await client.command('DELE 1')).toMatch(/^\+OK/);
    expect(await client.command('DELE 3')).toMatch(/^\+OK/);
    expect(drops.ids(BOX)).toEqual([a, b, c]);
    expect(await client.command('QUIT')).toBe('+OK mailsim POP3 server signing off (1 messages left)\r\n');
    await client.closed;
    expect(drops.ids(BOX)).toEqual([b]);
    client = await login();
    expect(await client.command('UIDL', multi)).toBe(`+OK\r\n1 uid-${b}\r\n.\r\n`);
    expect(before).toContain(`2 uid-${b}`);
  });

  it('a connection that drops (or half-closes) mid-session deletes nothing', async () => {
    const ids = [drops.add(BOX, 'Subject: keep\n\nx\n'), drops.add(BOX, 'Subject: keep too\n\ny\n')];
    const dropped = await login();
    await dropped.command('DELE 1');
    dropped.close();
    const halfClosed = await login();
    await halfClosed.command('DELE 2');
    halfClosed.socket.end();
    await halfClosed.closed;
    expect(drops.ids(BOX)).toEqual(ids);
    // The lock went with the connections: a new session gets the maildrop.
    const next = await login();
    expect(next.text).toMatch(/has 2 messages/);
  });

  it('locks a maildrop for one session: a second gets -ERR [IN-USE] until the first quits', async () => {
    drops.add(BOX, 'Subject: x\n\nx\n');
    const first = await login();
    const second = await open();
    await second.command(`USER ${BOX.toUpperCase()}`);
    expect(await second.command('PASS x')).toBe('-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n');
    await first.command('QUIT');
    expect(await second.command('USER bounce@example.com')).toMatch(/^\+OK/);
    expect(await second.command('PASS x')).toMatch(/^\+OK bounce@example.com has 1 messages/);
  });

  it('answers pipelined commands in order and refuses transaction commands before login', async () => {
    drops.add(BOX, 'Subject: p\n\np\n');
    const client = await open();
    expect(await client.command('STAT')).toBe('-ERR Not logged in\r\n');
    expect(await client.command('PASS x')).toBe('-ERR Send USER first\r\n');
    expect(await client.command('APOP x y')).toBe('-ERR APOP is not supported\r\n');
    client.write(`USER ${BOX}\r\nPASS x\r\nSTAT\r\nNOOP\r\nLIST 1\r\nQUIT\r\n`);
    const text = await client.until(/signing off.*\r\n/);
    expect(text.split('\r\n').slice(-7)).toEqual(['+OK Send PASS', `+OK ${BOX} has 1 messages (17 octets)`, '+OK 1 17', '+OK', '+OK 1 17', '+OK mailsim POP3 server signing off (1 messages left)', '']);
  });
});

describe('authentication (USER/PASS, RFC 5034 AUTH PLAIN, RFC 3206 [AUTH])', () => {
  const plain = (authzid: string, user: string, pass: string) => Buffer.from(`${authzid}\0${user}\0${pass}`).toString('base64');

  it('AUTH PLAIN with an initial response, after a "+ " challenge, and cancelled with "*"', async () => {
    drops.add(BOX, 'Subject: s\n\ns\n');
    let client = await open();
    expect(await client.command(`AUTH PLAIN ${plain('', 'Bounce@Example.com', 'pw')}`)).toBe(`+OK ${BOX} has 1 messages (17 octets)\r\n`);
    await client.command('QUIT');
    client = await open();
    expect(await client.command('AUTH PLAIN')).toBe('+ \r\n');
    expect(await client.command(plain(BOX, BOX, 'pw'))).toMatch(/^\+OK bounce@example.com has 1 messages/);
    await client.command('QUIT');
    client = await open();
    expect(await client.command('AUTH PLAIN')).toBe('+ \r\n');
    expect(await client.command('*')).toBe('-ERR Authentication cancelled\r\n');
    expect(await client.command('AUTH PLAIN !!!notbase64')).toBe('-ERR [AUTH] Invalid SASL PLAIN response\r\n');
    expect(await client.command(`AUTH PLAIN ${plain('someone-else@example.com', BOX, 'pw')}`)).toBe('-ERR [AUTH] Invalid SASL PLAIN response\r\n');
    expect(await client.command('AUTH CRAM-MD5')).toBe('-ERR Unsupported authentication mechanism\r\n');
    expect(await client.command('AUTH', multi)).toBe('+OK\r\nPLAIN\r\n.\r\n');
  });

  it('a password policy can refuse: -ERR [AUTH], and the session stays in AUTHORIZATION', async () => {
    await restart({ authenticate: (mailbox, password) => mailbox === BOX && password === 'right', maxErrors: 5 });
    const client = await open();
    await client.command(`USER ${BOX}`);
    expect(await client.command('PASS wrong')).toBe('-ERR [AUTH] Invalid user name or password\r\n');
    await client.command(`USER ${BOX}`);
    expect(await client.command('PASS right')).toMatch(/^\+OK/);
  });
});

describe('a client can neither crash nor block the server', () => {
  it('an over-long line (no line end for 64 KiB) gets -ERR and the session goes on', async () => {
    const client = await open();
    client.write('X'.repeat(65_536));
    client.write('\r\n');
    expect(await client.until(/Line too long\r\n/)).toContain('-ERR Line too long\r\n');
    expect(await client.command('CAPA', multi)).toMatch(/^\+OK Capability list follows/);
    // RFC 2449 §4: 255 octets with CRLF is still a command; 256 is not.
    expect(await client.command(`USER ${'u'.repeat(248)}`)).toBe('+OK Send PASS\r\n');
    expect(await client.command(`USER ${'u'.repeat(249)}`)).toBe('-ERR Line too long\r\n');
  });

  it('binary garbage counts as errors until the connection is closed; the next client is served', async () => {
    const client = await open();
    for (let i = 0; i < 12; i++) client.write(Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x0d, 0x0a]));
    await client.closed;
    expect(client.text.match(/-ERR Unknown command/g)).toHaveLength(10);
    expect(client.text).toContain('-ERR Too many errors, closing connection\r\n');
    const next = await open();
    expect(await next.command('NOOP')).toBe('-ERR Not logged in\r\n');
  });

  it('an idle session is closed without UPDATE', async () => {
    await restart({ idleTimeoutMs: 150 });
    const id = drops.add(BOX, 'Subject: i\n\ni\n');
    const client = await login();
    await client.command('DELE 1');
    await client.closed;
    expect(client.text).toContain('-ERR Disconnected for inactivity\r\n');
    expect(drops.ids(BOX)).toEqual([id]);
  });

  it('a store that fails is a -ERR [SYS/TEMP], not a crash, and the lock is not kept', async () => {
    drops.add(BOX, 'Subject: f\n\nf\n');
    drops.failing = 'list';
    const client = await open();
    await client.command(`USER ${BOX}`);
    expect(await client.command('PASS x')).toBe('-ERR [SYS/TEMP] Unable to open the maildrop\r\n');
    drops.failing = null;
    await client.command(`USER ${BOX}`);
    expect(await client.command('PASS x')).toMatch(/^\+OK/);
    drops.failing = 'read';
    expect(await client.command('RETR 1')).toBe('-ERR [SYS/TEMP] Unable to read the message\r\n');
    drops.failing = 'remove';
    await client.command('DELE 1');
    expect(await client.command('QUIT')).toBe('-ERR [SYS/TEMP] Some deleted messages not removed\r\n');
    drops.failing = null;
    expect(drops.ids(BOX)).toHaveLength(1);
    expect(logs.some((line) => line.startsWith('error pop3 could not delete messages'))).toBe(true);
  });

  it('close() ends open sessions without deleting what they marked', async () => {
    const id = drops.add(BOX, 'Subject: c\n\nc\n');
    const client = await login();
    await client.command('DELE 1');
    await server.close();
    await client.closed;
    expect(drops.ids(BOX)).toEqual([id]);
  });

  it('locks are shared between listeners that serve the same maildrops', () => {
    const locks = new MaildropLocks();
    expect(locks.acquire(BOX)).toBe(true);
    expect(locks.acquire(BOX)).toBe(false);
    locks.release(BOX);
    expect(locks.isHeld(BOX)).toBe(false);
  });
});

describe('octet counts and encoding', () => {
  it('counts CRLF line ends whatever the stored line ends are, and a missing final line end', () => {
    expect(crlfOctets(Buffer.from(''))).toBe(0);
    expect(crlfOctets(Buffer.from('a\nb\n'))).toBe(6);
    expect(crlfOctets(Buffer.from('a\r\nb\r\n'))).toBe(6);
    expect(crlfOctets(Buffer.from('a\r\nb'))).toBe(6);
    expect(crlfOctets(Buffer.from('\n\n'))).toBe(4);
  });

  it('an empty message is just the terminator; TOP of a message without a body is its header', async () => {
    drops.add(BOX, '');
    drops.add(BOX, 'Subject: only a header');
    const client = await login();
    expect(await client.command('RETR 1', multi)).toBe('+OK 0 octets\r\n.\r\n');
    expect(await client.command('TOP 2 5', multi)).toBe('+OK Top of message follows\r\nSubject: only a header\r\n.\r\n');
    expect(await client.command('TOP 2 x')).toBe('-ERR Usage: TOP msg n\r\n');
  });
});
