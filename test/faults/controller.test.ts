import { describe, expect, it } from 'vitest';
import { FaultController } from '../../server/faults/controller.js';
import { oneShotSchema } from '../../server/faults/one-shot.js';
import { ScenarioClock } from '../../server/faults/scenario-clock.js';
import { ctx, defaults, FakeClock, outcome, reply, scenario, session } from './helpers.js';

const controller = () => {
  const clock = new ScenarioClock(new FakeClock());
  return { faults: new FaultController({ clock, defaults }), clock };
};
const quota = (max = 1) => ({ name: 'quota', kind: 'messages' as const, max, window: { fixed: '1d', timeZone: 'UTC' }, reply: reply(550, 'quota') });
const message = ctx('data-end', { sender: 'a@b', recipients: ['c@d'], message: { size: 1, headers: {} } });

describe('FaultController', () => {
  it('keeps one engine per scenario object; a reloaded file gets a fresh engine that keeps the open sessions', () => {
    const { faults } = controller();
    const v1 = scenario({ limits: [quota(), { name: 'conc', kind: 'concurrent', max: 1, reply: reply(421, 'busy') }] }, 'shop');
    const engine = faults.engineFor(v1);
    expect(faults.engineFor(v1)).toBe(engine);
    faults.sessionOpened(v1, session({ id: 'open' }));
    faults.delivered(v1, message);
    expect(outcome(faults.decide(v1, message))).toBe('550 quota');

    const v2 = scenario({ limits: [quota(), { name: 'conc', kind: 'concurrent', max: 1, reply: reply(421, 'busy') }] }, 'shop');
    expect(faults.engineFor(v2)).not.toBe(engine);
    expect(outcome(faults.decide(v2, message))).toBe('continue');
    // The session opened under v1 still counts in v2; a refused connection counts until the adapter closes it.
    expect(outcome(faults.sessionOpened(v2, session({ id: 'second' })))).toBe('421 busy');
    faults.sessionClosed(v2, 'second');
    faults.sessionClosed(v2, 'open');
    expect(outcome(faults.sessionOpened(v2, session({ id: 'third' })))).toBe('continue');
  });

  it('one-shot faults first, then chaos, then the scenario; delays add up and fired lists all', () => {
    const { faults } = controller();
    const s = scenario({ rules: [{ name: 'slow', when: { phase: 'rcpt' }, action: { delay: '1s' } }, { name: 'no', when: { phase: 'rcpt', recipient: 'no@*' }, action: { reply: reply(550, 'no') } }] }, 'p');
    faults.oneShots.add(oneShotSchema.parse({ when: { phase: 'rcpt' }, count: 2, action: { delay: 500 } }));
    faults.oneShots.add(oneShotSchema.parse({ when: { phase: 'rcpt', recipient: 'vip@*' }, action: { reply: reply(421, 'one-shot for {recipient}', '4.7.0') } }));
    faults.chaos.set({ Recipient: { Probability: 100, ErrorCode: 452 } });

    const first = faults.decide(s, ctx('rcpt', { recipient: 'no@x' }));
    expect([outcome(first), first.delayMs, first.fired.map((f) => `${f.source}:${f.name}`)]).toEqual(['452 Chaos recipient error', 500, ['one-shot:oneshot-1', 'chaos:Recipient']]);

    faults.chaos.set({});
    const second = faults.decide(s, ctx('rcpt', { recipient: 'no@x' }));
    expect([outcome(second), second.delayMs, second.fired.map((f) => `${f.source}:${f.name}`)]).toEqual(['550 no', 1500, ['one-shot:oneshot-1', 'rule:slow', 'rule:no']]);

    const vip = faults.decide(s, ctx('rcpt', { recipient: 'vip@x' }));
    expect([outcome(vip), vip.delayMs]).toEqual(['421 4.7.0 one-shot for vip@x', 0]);
    expect(outcome(faults.decide(s, ctx('rcpt', { recipient: 'vip@x' })))).toBe('continue');
  });

  it('a terminal one-shot skips the scenario (its rules are not counted); an auth refusal still gets the failure delay', () => {
    const { faults } = controller();
    const s = scenario({ persona: { auth: { failureDelay: '5s' } }, rules: [{ name: 'second-mail', when: { phase: 'mail' }, select: { nth: 2 }, action: { reply: reply(451, 'second') } }] }, 'x');
    faults.oneShots.add(oneShotSchema.parse({ when: { phase: 'mail' }, action: { reply: reply(421, 'one-shot') } }));
    expect(outcome(faults.decide(s, ctx('mail', { sender: 'a@b' })))).toBe('421 one-shot');
    expect(outcome(faults.decide(s, ctx('mail', { sender: 'a@b' })))).toBe('continue');
    expect(outcome(faults.decide(s, ctx('mail', { sender: 'a@b' })))).toBe('451 second');
    faults.chaos.set({ Authentication: { Probability: 100 } });
    const auth = faults.decide(s, ctx('auth', { auth: { mechanism: 'LOGIN', user: 'u', password: 'p' } }));
    expect([outcome(auth), auth.delayMs]).toEqual(['535 Chaos authentication error', 5000]);
  });

  it('applies one-shot connect faults in sessionOpened, and counts the attempt anyway', () => {
    const { faults } = controller();
    const s = scenario({ limits: [{ name: 'rate', kind: 'connections', max: 10, window: { rolling: '1h' }, reply: reply(421, 'rate') }] }, 'c');
    faults.oneShots.add(oneShotSchema.parse({ when: { phase: 'connect' }, action: { reply: reply(554, 'No SMTP service here') } }));
    expect(outcome(faults.sessionOpened(s, session({ id: 'a' })))).toBe('554 No SMTP service here');
    expect(outcome(faults.sessionOpened(s, session({ id: 'b' })))).toBe('continue');
    expect(faults.counters()).toMatchObject([{ scenario: 'c', limit: 'rate', count: 2 }]);
  });

  it('sessionMoved hands a session to another scenario without a new connect decision', () => {
    const { faults } = controller();
    const a = scenario({ limits: [{ name: 'conc', kind: 'concurrent', max: 1, reply: reply(421, 'a busy') }] }, 'a');
    const b = scenario({ limits: [{ name: 'conc', kind: 'concurrent', max: 1, reply: reply(421, 'b busy') }] }, 'b');
    faults.oneShots.add(oneShotSchema.parse({ when: { phase: 'connect' }, action: { stall: true }, scenario: 'b' }));
    faults.sessionOpened(a, session({ id: 's' }));
    faults.sessionMoved(a, b, session({ id: 's' }));
    expect(faults.oneShots.list()[0]?.remaining).toBe(1);
    expect(outcome(faults.sessionOpened(a, session({ id: 't' })))).toBe('continue');
    expect(faults.counters().map((c) => [c.scenario, c.key, c.count])).toEqual([
      ['a', '192.0.2.10', 1],
      ['b', '192.0.2.10', 1],
    ]);
  });

  it('sessionAuthenticated and render go to the scenario’s engine', () => {
    const { faults, clock } = controller();
    const s = scenario({ persona: { hostname: 'smtp.office365.com' }, limits: [{ name: 'u', kind: 'concurrent', key: 'user', max: 1, phase: 'mail', reply: reply(432, 'limit') }] }, 'm');
    faults.sessionOpened(s, session({ id: 'a' }));
    faults.sessionAuthenticated(s, session({ id: 'a', user: 'u' }));
    expect(outcome(faults.decide(s, ctx('mail', { sender: 'x@y', session: { id: 'b', user: 'u' } })))).toBe('432 limit');
    clock.set(Date.UTC(2030, 0, 1));
    expect(faults.render(s, '{hostname} {epoch} {queueId}', { session: session() }, { queueId: 'Q' })).toBe(`smtp.office365.com ${Date.UTC(2030, 0, 1) / 1000} Q`);
  });

  it('counters carry the scenario name; reset clears engines, one-shots and chaos but not the clock', () => {
    const { faults, clock } = controller();
    const s = scenario({ limits: [quota(5)] }, 'shop');
    faults.delivered(s, message);
    faults.delivered(s, message);
    faults.oneShots.add(oneShotSchema.parse({ when: { phase: 'mail' }, action: { stall: true } }));
    faults.chaos.set({ Sender: { Probability: 100 } });
    clock.advance(1000);
    expect(faults.counters()).toMatchObject([{ scenario: 'shop', limit: 'quota', kind: 'messages', key: '*', count: 2, max: 5 }]);
    faults.reset();
    expect(faults.counters()).toMatchObject([{ scenario: 'shop', count: 0 }]);
    expect(faults.oneShots.list()).toEqual([]);
    expect(faults.chaos.get().Sender.Probability).toBe(0);
    expect(clock.offset).toBe(1000);
  });
});
