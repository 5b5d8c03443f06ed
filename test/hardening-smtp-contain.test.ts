import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultController } from '../server/faults/controller.js';
import { scenarioSchema, type Scenario } from '../server/faults/schema.js';
import { type IncomingMessage, type LiveSession, type SessionRecord, systemClock } from '../server/ports/contracts.js';
import { type LogFields, logTo } from '../server/ports/log.js';
import type { FaultPort } from '../server/smtp/fault-port.js';
import { SmtpListener } from '../server/smtp/listener.js';
import { sendOne } from './helpers/hostile-smtp.js';
import { RawSmtp } from './helpers/raw-smtp.js';

// Issue 9, item 3: a throw in mailsim's own code inside an smtp-server hook or callback closes
// that connection with 421 4.3.0, records the session as `error`, logs the stack with the
// session ID, and the server keeps serving. The listener runs on its own here, with a fault
// port and a message sink that throw on cue.
const scenario: Scenario = { ...scenarioSchema.parse({}), name: 'contain' };
const engine = new FaultController({ clock: systemClock, defaults: { hostname: 'mailsim.test', maxMessageSize: 1024 * 1024 } });
let throwAt: 'mail' | 'render' | 'delivered' | 'ingest' | undefined;

const faults: FaultPort = {
  sessionOpened: (s, v) => engine.sessionOpened(s, v),
  sessionAuthenticated: (s, v) => engine.sessionAuthenticated(s, v),
  sessionClosed: (s, id) => engine.sessionClosed(s, id),
  sessionMoved: (a, b, v) => engine.sessionMoved(a, b, v),
  decide: (s, ctx) => {
    if (throwAt === 'mail' && ctx.phase === 'mail') throw new Error('boom in decide');
    return engine.decide(s, ctx);
  },
  delivered: (s, ctx) => {
    if (throwAt === 'delivered') throw new Error('boom after the commit');
    engine.delivered(s, ctx);
  },
  render: (s, template, ctx, extra) => {
    if (throwAt === 'render' && template === s.persona.ehlo) throw new Error('boom in a template');
    return engine.render(s, template, ctx, extra);
  },
};

const opened: string[] = [];
const closed: SessionRecord[] = [];
const lines: Array<{ level: string; message: string; fields: LogFields }> = [];
let stored = 0;
const listener = new SmtpListener({
  host: '127.0.0.1',
  port: 0,
  hostname: 'mailsim.test',
  maxMessageSize: 1024 * 1024,
  idleTimeoutMs: 10_000,
  scenario: 'contain',
  mode: 'plain',
  scenarios: (name) => (name === 'contain' ? scenario : undefined),
  faults,
  messages: {
    // A rejected promise is a store failure (451, covered elsewhere); a synchronous throw is a bug.
    ingest: (_message: IncomingMessage) => {
      if (throwAt === 'ingest') throw new Error('boom in the sink');
      return Promise.resolve({ id: `m${++stored}` });
    },
  },
  sessions: { opened: (session: LiveSession) => opened.push(session.id), closed: (record) => closed.push(record) },
  clock: systemClock,
  onFault: () => {},
  log: logTo((level, message, fields) => lines.push({ level, message, fields })),
});
let port = 0;

beforeAll(async () => {
  port = (await listener.listen()).port;
});
afterAll(() => listener.close(100));
beforeEach(() => {
  throwAt = undefined;
  lines.length = 0;
});

/** Waits for the session record of a connection that has closed. */
async function recordOf(id: string): Promise<SessionRecord> {
  for (;;) {
    const found = closed.find((r) => r.id === id);
    if (found) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The session ID the listener logged for a failure, with the failure's stack. */
function failureLine() {
  return lines.find((l) => l.level === 'error' && /closing the connection with 421 4\.3\.0/.test(l.message));
}

async function expectContained(reply: string, id: string, cause: string): Promise<void> {
  expect(reply).toBe('421 4.3.0 Internal error in mailsim, closing connection');
  const record = await recordOf(id);
  expect(record).toMatchObject({ outcome: 'error', outcomeCode: 421 });
  expect(record.outcomeDetail).toContain(cause);
  const line = failureLine();
  expect(line?.fields.session).toBe(id);
  expect((line?.fields.err as { stack?: string }).stack).toContain(cause);
  throwAt = undefined;
  expect(await sendOne(port)).toMatch(/^250 /);
}

/** A connection past its banner, and the ID of its session. */
async function open(): Promise<{ client: RawSmtp; id: () => string }> {
  const client = await RawSmtp.open(port);
  expect(await client.reply()).toMatch(/^220 /);
  const id = opened.at(-1) ?? '';
  return { client, id: () => id };
}

describe('a throw in mailsim code closes only its own connection (item 3)', () => {
  it('in a fault decision inside onMailFrom', async () => {
    throwAt = 'mail';
    const { client, id } = await open();
    await client.command('EHLO client.test');
    const reply = await client.command('MAIL FROM:<a@example.com>');
    await client.closed;
    await expectContained(reply, id(), 'boom in decide');
  });

  it('in the reply writer (a persona template that throws)', async () => {
    throwAt = 'render';
    const { client, id } = await open();
    const reply = await client.command('EHLO client.test');
    await client.closed;
    await expectContained(reply, id(), 'boom in a template');
  });

  it('in the message sink, at the end of DATA', async () => {
    throwAt = 'ingest';
    const { client, id } = await open();
    await client.command('EHLO client.test');
    await client.command('MAIL FROM:<a@example.com>');
    await client.command('RCPT TO:<b@example.org>');
    expect(await client.command('DATA')).toMatch(/^354 /);
    const reply = await client.command('Subject: x\r\n\r\nbody\r\n.');
    await client.closed;
    await expectContained(reply, id(), 'boom in the sink');
  });

  it('in a callback that runs after the store committed', async () => {
    throwAt = 'delivered';
    const { client, id } = await open();
    await client.command('EHLO client.test');
    await client.command('MAIL FROM:<a@example.com>');
    await client.command('RCPT TO:<b@example.org>');
    await client.command('DATA');
    const reply = await client.command('Subject: x\r\n\r\nbody\r\n.');
    await client.closed;
    await expectContained(reply, id(), 'boom after the commit');
  });
});
