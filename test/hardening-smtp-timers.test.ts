import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Decision } from '../server/faults/decision.js';
import { FaultController } from '../server/faults/controller.js';
import { scenarioSchema, type Scenario } from '../server/faults/schema.js';
import { systemClock } from '../server/ports/contracts.js';
import { silentLog } from '../server/ports/log.js';
import { DecisionRunner, MAX_TIMER_MS } from '../server/smtp/decision-runner.js';
import type { FaultPort } from '../server/smtp/fault-port.js';
import { SmtpListener } from '../server/smtp/listener.js';
import { sendOne } from './helpers/hostile-smtp.js';
import { RawSmtp } from './helpers/raw-smtp.js';

// Issue 9, item 7: a wait over Node's timer limit (2^31-1 ms, 24.8 days) fired after 1 ms and
// was re-armed for what was left, again and again: `delay: 30d` on 50 connections burnt 28% of
// a core and wrote 180,000 TimeoutOverflowWarnings.
const DAYS_30 = 30 * 24 * 3_600_000;

describe('a wait longer than one timer can take', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('is armed in steps Node accepts, and acts once at the due time', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const runner = new DecisionRunner(new Socket());
    const fn = vi.fn();
    const timers = vi.spyOn(globalThis, 'setTimeout');
    runner.after(DAYS_30, fn);
    vi.advanceTimersByTime(60_000);
    expect(timers.mock.calls.map(([, ms]) => ms)).toEqual([MAX_TIMER_MS]);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(timers.mock.calls.length).toBe(2);
    expect(timers.mock.calls.every(([, ms]) => (ms ?? 0) <= MAX_TIMER_MS)).toBe(true);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(DAYS_30 - MAX_TIMER_MS - 60_000);
    expect(fn).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('50 connections waiting 30 days: no timer warning, no spinning, another client is served', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const scenario: Scenario = { ...scenarioSchema.parse({}), name: 'slow' };
    const engine = new FaultController({ clock: systemClock, defaults: { hostname: 'mailsim.test', maxMessageSize: 1 << 20 } });
    // The validation of scenario files may refuse such a delay; the runner must hold regardless.
    const faults: FaultPort = {
      sessionOpened: (s, v) => engine.sessionOpened(s, v),
      sessionAuthenticated: (s, v) => engine.sessionAuthenticated(s, v),
      sessionClosed: (s, id) => engine.sessionClosed(s, id),
      sessionMoved: (a, b, v) => engine.sessionMoved(a, b, v),
      delivered: (s, ctx) => engine.delivered(s, ctx),
      render: (s, t, ctx, extra) => engine.render(s, t, ctx, extra),
      decide: (s, ctx): Decision =>
        ctx.phase === 'mail' && ctx.sender === 'slow@example.com' ? { delayMs: DAYS_30, verdict: { kind: 'continue' }, fired: [] } : engine.decide(s, ctx),
    };
    const listener = new SmtpListener({
      host: '127.0.0.1',
      port: 0,
      hostname: 'mailsim.test',
      maxMessageSize: 1 << 20,
      idleTimeoutMs: 60_000,
      scenario: 'slow',
      mode: 'plain',
      scenarios: () => scenario,
      faults,
      messages: { ingest: () => Promise.resolve({ id: 'x' }) },
      sessions: { opened: () => {}, closed: () => {} },
      clock: systemClock,
      onFault: () => {},
      log: silentLog,
    });
    const { port } = await listener.listen();
    const waiting: RawSmtp[] = [];
    try {
      for (let i = 0; i < 50; i++) {
        const client = await RawSmtp.open(port);
        await client.reply();
        await client.command('EHLO slow.test');
        client.write('MAIL FROM:<slow@example.com>\r\n');
        waiting.push(client);
      }
      // Other clients are served while the 50 wait; a spinning timer would warn meanwhile.
      for (let i = 0; i < 5; i++) expect(await sendOne(port)).toMatch(/^250 /);
      expect(warnings.filter((name) => name === 'TimeoutOverflowWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      for (const client of waiting) client.close();
      await listener.close(100);
    }
  });
});
