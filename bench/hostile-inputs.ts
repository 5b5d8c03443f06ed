/**
 * The hostile inputs of issue 9, each as the attacker sent it, for bench/hostile.ts. Each one
 * resolves with a short note of what the server answered (or throws when it could not be sent).
 */
import { connect, type Socket } from 'node:net';

export interface Target {
  port: number;
  url: string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
}

export interface HostileInput {
  item: string;
  name: string;
  /** Extra CLI options for this input's server. */
  args?: string[];
  /** How long the input may run before it is abandoned (default 60 s). */
  deadlineMs?: number;
  run(target: Target): Promise<string>;
}

const MiB = 1024 * 1024;

/** A raw SMTP connection past its banner, counting the replies it gets. */
class Raw {
  #partial = '';
  #wake: (() => void) | undefined;
  /** Final reply lines ("250 ok"), the latest 100. */
  readonly latest: string[] = [];
  readonly codes = new Map<string, number>();
  replies = 0;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const lines = (this.#partial + chunk).split('\r\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!/^\d{3}( |$)/.test(line)) continue;
        this.replies++;
        this.codes.set(line.slice(0, 3), (this.codes.get(line.slice(0, 3)) ?? 0) + 1);
        this.latest.push(line);
        if (this.latest.length > 100) this.latest.shift();
      }
      this.#wake?.();
    });
    socket.on('close', () => this.#wake?.());
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<Raw> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const raw = new Raw(socket);
    await raw.until(1);
    return raw;
  }

  get gone(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  /** Waits until this many replies have arrived in all (or the connection closes). */
  async until(replies: number): Promise<void> {
    while (this.replies < replies && !this.gone) await new Promise<void>((resolve) => (this.#wake = resolve));
  }

  /** Waits for a reply with this code (or the close). */
  async untilCode(code: string): Promise<void> {
    while (!this.latest.some((l) => l.startsWith(code)) && !this.gone) await new Promise<void>((resolve) => (this.#wake = resolve));
  }

  async write(data: string | Buffer): Promise<void> {
    if (this.socket.destroyed) return;
    if (this.socket.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done).off('close', done);
        resolve();
      };
      this.socket.once('drain', done).once('close', done);
    });
  }

  closed(): Promise<void> {
    return this.socket.destroyed ? Promise.resolve() : new Promise((resolve) => this.socket.once('close', () => resolve()));
  }
}

const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern.source, 'gm')) ?? []).length;

async function api(url: string, path: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${path}`, init);
  return { status: response.status, text: await response.text() };
}

async function putScenario(url: string, scenario: unknown): Promise<number> {
  return (await api(url, '/api/v1/scenario', { method: 'PUT', body: JSON.stringify({ Scenario: scenario }) })).status;
}

/** One message over one connection; resolves with the reply to its end of data. */
async function sendMessage(port: number, message: string | Buffer, opening = 'EHLO hostile.test\r\nMAIL FROM:<h@example.com>\r\nRCPT TO:<r@example.org>\r\n'): Promise<string> {
  const raw = await Raw.open(port);
  await raw.write(`${opening}DATA\r\n`);
  await raw.untilCode('354');
  await raw.write(message);
  await raw.write('\r\n.\r\nQUIT\r\n');
  await raw.untilCode('221');
  raw.socket.destroy();
  const quit = raw.latest.findLastIndex((l) => l.startsWith('221'));
  return (quit > 0 ? raw.latest[quit - 1] : raw.latest.at(-1)) ?? 'no reply';
}

/**
 * Opens the message a 250 names ("Ok: queued as ID") as the UI does, and both /view pages;
 * resolves with their statuses and times. Not "the newest message": the well-behaved sender
 * stores one every few ms, and a plain-text message has no HTML view (404, as Mailpit answers),
 * which read as an occasional /view 404 of the hostile message.
 */
async function openStored(url: string, reply: string): Promise<string> {
  const id = /queued as (\S+)/.exec(reply)?.[1];
  if (!id) return 'nothing stored';
  const timed = async (path: string) => {
    const started = performance.now();
    const { status } = await api(url, path);
    return `${path.replace(id, 'ID')} ${status} in ${Math.round(performance.now() - started)} ms`;
  };
  return [await timed(`/api/v1/message/${id}`), await timed(`/view/${id}.html`), await timed(`/view/${id}.txt`)].join(', ');
}

function headers(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n`;
}

function nestedMime(depth: number): string {
  let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let i = 0; i < depth; i++) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
  return `Subject: nested\r\nMIME-Version: 1.0\r\n${body}`;
}

function manyAttachments(n: number): string {
  const parts = Array.from({ length: n }, (_, i) => `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="a${i}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n`);
  return `Subject: attachments\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts.join('')}--b--\r\n`;
}

/** 100,000 RCPT in one session, pipelined 1000 at a time; then the message, when `data`. */
async function manyRecipients(port: number, data: boolean): Promise<string> {
  const raw = await Raw.open(port);
  await raw.write('EHLO x\r\nMAIL FROM:<bulk@example.com>\r\n');
  await raw.until(3);
  const started = performance.now();
  for (let i = 0; i < 100_000; i += 1000) {
    let batch = '';
    for (let j = i; j < i + 1000; j++) batch += `RCPT TO:<r${j}@example.org>\r\n`;
    const expected = raw.replies + 1000;
    await raw.write(batch);
    await raw.until(expected);
  }
  const rcpt = `${raw.codes.get('250') ?? 0} x 250, ${raw.codes.get('452') ?? 0} x 452 in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  if (!data) {
    raw.socket.destroy();
    return rcpt;
  }
  const ended = performance.now();
  await raw.write('DATA\r\n');
  await raw.untilCode('354');
  await raw.write('Subject: many\r\n\r\nhello\r\n.\r\nQUIT\r\n');
  await raw.untilCode('221');
  raw.socket.destroy();
  const quit = raw.latest.findLastIndex((l) => l.startsWith('221'));
  return `${rcpt}; DATA ${raw.latest[quit - 1]?.slice(0, 12) ?? '?'} in ${Math.round(performance.now() - ended)} ms`;
}

const xoauth = Buffer.from('user=a@example.com\x01auth=Bearer token\x01\x01').toString('base64');

export const INPUTS: HostileInput[] = [
  {
    item: '1',
    name: 'unterminated STARTTLS / AUTH, then half-close (8 bytes)',
    async run({ port }) {
      for (const last of ['STARTTLS', 'AUTH FOO', `AUTH XOAUTH2 ${xoauth}`]) {
        for (let i = 0; i < 10; i++) {
          const raw = await Raw.open(port);
          raw.socket.end(`EHLO x\r\n${last}`);
          await raw.closed();
        }
      }
      return '30 sessions';
    },
  },
  {
    item: '2',
    name: 'bad inline scenarios (regex, time zone, fixed: 0), then SMTP',
    async run({ url, port }) {
      const statuses = [
        await putScenario(url, { name: 'bad-regex', rules: [{ when: { phase: 'mail', sender: { regex: '(' } }, action: { reply: { code: 550, text: 'x' } } }] }),
        await putScenario(url, { name: 'bad-zone', rules: [{ when: { phase: 'mail' }, select: { window: { from: '00:00', to: '23:59', timeZone: 'Mars/Olympus' } }, action: { reply: { code: 550, text: 'x' } } }] }),
        await putScenario(url, { name: 'bad-window', limits: [{ name: 'w', kind: 'messages', max: 1, window: { fixed: 0 }, reply: { code: 451, text: 'x' } }] }),
      ];
      const reply = await sendMessage(port, 'Subject: after\r\n\r\nx');
      return `PUT ${statuses.join('/')}; then ${reply.slice(0, 40)}`;
    },
  },
  {
    item: '4',
    name: 'HTML-only message, 320 KB of "<script ", then opened',
    async run({ url, port }) {
      const reply = await sendMessage(port, `Subject: html\r\nContent-Type: text/html\r\n\r\n${'<script '.repeat(40_000)}`);
      return `${reply.slice(0, 12)}; ${await openStored(url, reply)}`;
    },
  },
  {
    item: '5',
    name: 'From: with 80,000 commas under sendgrid (MAIL FROM +scenario-sendgrid)',
    async run({ port }) {
      // Any credentials pass the default scenario; MAIL FROM then moves the session to sendgrid,
      // whose data-end rule reads From.
      const auth = Buffer.from('\0apikey\0SG.abc.def').toString('base64');
      const opening = `EHLO hostile.test\r\nAUTH PLAIN ${auth}\r\nMAIL FROM:<h+scenario-sendgrid@example.com>\r\nRCPT TO:<r@example.org>\r\n`;
      return (await sendMessage(port, `From: ${','.repeat(80_000)}\r\nSubject: commas\r\n\r\nx`, opening)).slice(0, 60);
    },
  },
  {
    item: '6',
    name: 'catastrophic regexes ^(a+)+$ (30 chars), ^(a|aa)+$ (61 chars)',
    async run({ url, port }) {
      const status = await putScenario(url, {
        name: 'redos',
        rules: [
          { when: { phase: 'mail', sender: { regex: '^(a+)+$' } }, action: { reply: { code: 550, text: 'x' } } },
          { when: { phase: 'rcpt', recipient: { regex: '^(a|aa)+$' } }, action: { reply: { code: 550, text: 'x' } } },
        ],
      });
      const raw = await Raw.open(port);
      // Valid addresses, so that they pass smtp-server's syntax check and reach the rules.
      await raw.write(`EHLO x\r\nMAIL FROM:<${'a'.repeat(30)}@example.com>\r\nRCPT TO:<${'a'.repeat(61)}@example.org>\r\nQUIT\r\n`);
      await raw.untilCode('221');
      return `PUT ${status}; session done`;
    },
  },
  {
    item: '7',
    name: 'delay: 30d, 50 connections waiting (3 s)',
    async run({ url, port, stderr }) {
      const status = await putScenario(url, { name: 'slow', rules: [{ when: { phase: 'mail', sender: 'slow@*' }, action: { delay: '30d' } }] });
      const waiting = await Promise.all(Array.from({ length: 50 }, () => Raw.open(port)));
      for (const raw of waiting) await raw.write('EHLO x\r\nMAIL FROM:<slow@example.com>\r\n');
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const raw of waiting) raw.socket.destroy();
      return `PUT ${status}; ${count(stderr(), /TimeoutOverflowWarning/)} timer warnings`;
    },
  },
  {
    item: '8',
    name: '100,000 RCPT in one session (default --max-recipients)',
    run: ({ port }) => manyRecipients(port, false),
  },
  {
    item: '8b',
    name: '100,000 RCPT with --max-recipients 100000, then DATA',
    args: ['--max-recipients', '100000'],
    // The RCPT phase alone took 31-52 s at load 24: the end of DATA, what this row measures, came after 60 s.
    deadlineMs: 180_000,
    run: ({ port }) => manyRecipients(port, true),
  },
  {
    item: '10',
    name: '30 sessions x 1,400 NOOPs of 16 KB, no mail',
    async run({ url, port }) {
      const noop = `NOOP ${'n'.repeat(16_000)}\r\n`;
      const before = JSON.parse((await api(url, '/api/v1/info')).text) as { DatabaseSize: number };
      await Promise.all(
        Array.from({ length: 30 }, async () => {
          const raw = await Raw.open(port);
          for (let i = 0; i < 14; i++) await raw.write(noop.repeat(100));
          await raw.write('QUIT\r\n');
          await raw.closed();
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const after = JSON.parse((await api(url, '/api/v1/info')).text) as { DatabaseSize: number };
      return `database ${(before.DatabaseSize / MiB).toFixed(1)} -> ${(after.DatabaseSize / MiB).toFixed(1)} MiB`;
    },
  },
  {
    item: '11',
    name: '40 connections x 20 MiB of unterminated DATA',
    async run({ port }) {
      const chunk = Buffer.from(`${'d'.repeat(998)}\r\n`.repeat(1024));
      const clients = await Promise.all(
        Array.from({ length: 40 }, async () => {
          const raw = await Raw.open(port);
          await raw.write('EHLO x\r\nMAIL FROM:<big@example.com>\r\nRCPT TO:<r@example.org>\r\nDATA\r\n');
          await raw.untilCode('354');
          for (let i = 0; i < 20; i++) await raw.write(chunk);
          return raw;
        }),
      );
      for (const raw of clients) await raw.write('\r\n.\r\nQUIT\r\n');
      await Promise.all(clients.map((raw) => raw.untilCode('221')));
      const replies = clients.map((raw) => raw.latest.filter((l) => /^(250|452|451|552) /.test(l)).at(-1)?.slice(0, 9) ?? '?');
      const tally = [...new Set(replies)].map((r) => `${replies.filter((x) => x === r).length} x ${r}`).join(', ');
      for (const raw of clients) raw.socket.destroy();
      return tally;
    },
  },
  {
    item: '12a',
    name: 'message with 100,000 header lines, then opened',
    async run({ url, port }) {
      const reply = await sendMessage(port, `${headers(Array.from({ length: 100_000 }, (_, i) => `X-H${i}: v`))}Subject: headers\r\n\r\nbody`);
      return `${reply.slice(0, 12)}; ${await openStored(url, reply)}`;
    },
  },
  {
    item: '12b',
    name: 'MIME nested 1,000 deep, then opened',
    async run({ url, port }) {
      const reply = await sendMessage(port, nestedMime(1_000));
      return `${reply.slice(0, 12)}; ${await openStored(url, reply)}`;
    },
  },
  {
    item: '12c',
    name: 'message with 10,000 attachments, then opened',
    async run({ url, port }) {
      const reply = await sendMessage(port, manyAttachments(10_000));
      return `${reply.slice(0, 12)}; ${await openStored(url, reply)}`;
    },
  },
];
