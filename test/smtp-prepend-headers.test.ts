import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultController } from '../server/faults/controller.js';
import { scenarioSchema, type Scenario } from '../server/faults/schema.js';
import { type IncomingMessage, systemClock } from '../server/ports/contracts.js';
import { logTo } from '../server/ports/log.js';
import type { FaultPort } from '../server/smtp/fault-port.js';
import { SmtpListener } from '../server/smtp/listener.js';
import { python } from './helpers/processes.js';

// A decision's prependHeaders (postgrey's X-Greylist, for one) go on top of the stored message.
// The engine that emits them is the greylisting work's; here a fault port adds them at data-end.
const scenario: Scenario = { ...scenarioSchema.parse({}), name: 'headers' };
const engine = new FaultController({ clock: systemClock, defaults: { hostname: 'mailsim.test', maxMessageSize: 1024 * 1024 } });
const faults: FaultPort = {
  sessionOpened: (s, v) => engine.sessionOpened(s, v),
  sessionAuthenticated: (s, v) => engine.sessionAuthenticated(s, v),
  sessionClosed: (s, id) => engine.sessionClosed(s, id),
  sessionMoved: (a, b, v) => engine.sessionMoved(a, b, v),
  decide: (s, ctx) => {
    const decision = engine.decide(s, ctx);
    if (ctx.phase !== 'data-end') return decision;
    return { ...decision, prependHeaders: ['X-Greylist: delayed 300 seconds by postgrey-1.37 at mailsim.test', 'Bad header\r\nInjected: yes'] };
  },
  delivered: (s, ctx) => engine.delivered(s, ctx),
  render: (s, template, ctx, extra) => engine.render(s, template, ctx, extra),
};

const stored: Buffer[] = [];
const listener = new SmtpListener({
  host: '127.0.0.1',
  port: 0,
  hostname: 'mailsim.test',
  maxMessageSize: 1024 * 1024,
  idleTimeoutMs: 10_000,
  scenario: 'headers',
  mode: 'plain',
  scenarios: (name) => (name === 'headers' ? scenario : undefined),
  faults,
  messages: {
    ingest: (message: IncomingMessage) => {
      stored.push(message.raw);
      return Promise.resolve({ id: `m${stored.length}` });
    },
  },
  sessions: { opened: () => {}, closed: () => {} },
  clock: systemClock,
  onFault: () => {},
  log: logTo(() => {}),
});
let port = 0;
beforeAll(async () => {
  port = (await listener.listen()).port;
});
afterAll(() => listener.close(100));

describe('headers a decision prepends', () => {
  it('are stored on top of the message; a line that is not one header field is left out', async () => {
    const result = await python(
      `
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    print(s.sendmail('a@example.com', ['b@example.org'], 'Subject: hi\\r\\n\\r\\nbody\\r\\n'))
`,
      String(port),
    );
    expect(result.stdout.trim()).toBe('{}');
    // Under the trace fields every stored message gets (Return-Path, Received; a Message-ID when
    // the sender sent none: test/trace-headers.test.ts), above the bytes received.
    expect(stored).toHaveLength(1);
    const lines = stored[0]!.toString().split('\r\n');
    expect(lines[0]).toBe('Return-Path: <a@example.com>');
    expect(lines[1]).toMatch(/^Received: from \S+ \(unknown \[127\.0\.0\.1\]\) by mailsim\.test \(mailsim\) with ESMTP for <b@example\.org>; /);
    expect(lines.slice(2, 3)).toEqual(['X-Greylist: delayed 300 seconds by postgrey-1.37 at mailsim.test']);
    expect(lines[3]).toMatch(/^Message-ID: <[\w-]+@mailsim\.test>$/);
    expect(stored[0]!.toString().endsWith('\r\nSubject: hi\r\n\r\nbody\r\n')).toBe(true);
    expect(lines.some((line) => line.startsWith('Injected'))).toBe(false);
  });
});
