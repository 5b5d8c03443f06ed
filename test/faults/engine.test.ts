import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScenarioClock } from '../../server/faults/scenario-clock.js';
import type { Phase, Scenario } from '../../server/faults/schema.js';
import { validateScenario } from '../../server/faults/validate.js';
import { ctx, DAY, defaults, engine, FakeClock, HOUR, outcome, reply, scenario, session, TestEngine } from './helpers.js';

const rcpt = (recipient: string, extra: Parameters<typeof ctx>[1] = {}) => ctx('rcpt', { sender: 'a@shop.example', recipient, ...extra });

describe('FaultEngine: rules', () => {
  it('continues with nothing fired when nothing matches', () => {
    const { engine: e } = engine({ rules: [{ when: { phase: 'mail' }, action: { reply: reply(550) } }] });
    expect(e.decide(rcpt('b@x.org'))).toEqual({ delayMs: 0, verdict: { kind: 'continue' }, fired: [] });
  });

  it('names the rule, the event and the selection in the reason', () => {
    const { engine: e } = engine({
      seed: 3,
      rules: [{ name: 'flaky-rcpt', when: { phase: 'rcpt', recipient: '*@x.org' }, select: { probability: 1, per: 'recipient' }, action: { reply: reply(451, 'try later', '4.3.0') } }],
    });
    e.decide(rcpt('b@x.org'));
    e.decide(rcpt('b@x.org'));
    const third = e.decide(rcpt('b@x.org'));
    expect(outcome(third)).toBe('451 4.3.0 try later');
    expect(third.fired).toEqual([
      { source: 'rule', name: 'flaky-rcpt', phase: 'rcpt', reason: "rule 'flaky-rcpt' matched rcpt b@x.org (event 3, per recipient b@x.org, probability 1)",
        // No explain in the rule: what the code means (status-catalogue.ts).
        explanation: { cause: 'A problem of the receiving mail system (451 4.3.0).', advice: 'A temporary refusal: keep the message queued and retry later with backoff.', source: 'RFC 3463 §3.4' },
      },
    ]);
  });

  it('unnamed rules are named by position', () => {
    const { engine: e } = engine({ rules: [{ when: { phase: 'helo' }, action: { delay: 10 } }, { when: { phase: 'helo' }, action: { stall: true } }] });
    expect(e.decide(ctx('helo')).fired.map((f) => f.name)).toEqual(['#1', '#2']);
  });

  it('delays add up across everything that matched, and apply before the verdict', () => {
    const { engine: e } = engine({
      rules: [
        { name: 'slow', when: { phase: 'rcpt' }, action: { delay: '1s' } },
        { name: 'slower', when: { phase: 'rcpt', recipient: 'b@*' }, action: { delay: '1m30s' } },
        { name: 'refuse', when: { phase: 'rcpt', recipient: 'b@*' }, action: { delay: 250, reply: reply(550, 'no such user', '5.1.1') } },
      ],
    });
    const d = e.decide(rcpt('b@x.org'));
    expect([d.delayMs, outcome(d), d.fired.map((f) => f.name)]).toEqual([91_250, '550 5.1.1 no such user', ['slow', 'slower', 'refuse']]);
    const other = e.decide(rcpt('c@x.org'));
    expect([other.delayMs, outcome(other)]).toEqual([1000, 'continue']);
  });

  it('the delays of several rules add up to a day at most, the longest single wait allowed', () => {
    const day = { when: { phase: 'rcpt' as const }, action: { delay: '1d' } };
    const { engine: e } = engine({ rules: [day, day, day] });
    expect(e.decide(rcpt('b@x.org')).delayMs).toBe(DAY);
  });

  it('the first terminal verdict wins; later rules are not even counted', () => {
    const { engine: e } = engine({
      rules: [
        { name: 'first', when: { phase: 'mail' }, select: { nth: 1 }, action: { reply: reply(421, 'first') } },
        { name: 'second', when: { phase: 'mail' }, select: { nth: 1 }, action: { reply: reply(451, 'second') } },
      ],
    });
    expect(outcome(e.decide(ctx('mail', { sender: 'a@b' })))).toBe('421 first');
    expect(outcome(e.decide(ctx('mail', { sender: 'a@b' })))).toBe('451 second');
  });

  it('accept stops evaluation: later rules, persona checks and limits are skipped', () => {
    const { engine: e } = engine({
      persona: { auth: { required: true } },
      rules: [
        { name: 'vip', when: { phase: 'mail', sender: 'vip@*' }, action: { delay: 5, accept: true } },
        { name: 'block', when: { phase: 'mail' }, action: { reply: reply(550, 'blocked') } },
      ],
      limits: [{ name: 'none', kind: 'messages', max: 0, phase: 'mail', window: { rolling: '1h' }, reply: reply(550, 'quota') }],
    });
    const vip = e.decide(ctx('mail', { sender: 'vip@x' }));
    expect([outcome(vip), vip.delayMs, vip.fired.map((f) => f.name)]).toEqual(['continue', 5, ['vip']]);
    expect(outcome(e.decide(ctx('mail', { sender: 'other@x' })))).toBe('550 blocked');
  });

  it('order: rules, then persona checks, then limits', () => {
    const { engine: e } = engine({
      persona: { auth: { required: true } },
      rules: [{ name: 'r', when: { phase: 'mail', sender: 'rule@*' }, action: { reply: reply(451, 'rule') } }],
      limits: [{ name: 'l', kind: 'messages', max: 0, phase: 'mail', window: { rolling: '1h' }, reply: reply(452, 'limit') }],
    });
    expect(outcome(e.decide(ctx('mail', { sender: 'rule@x' })))).toBe('451 rule');
    expect(outcome(e.decide(ctx('mail', { sender: 'x@x' })))).toBe('530 5.7.0 Authentication required');
    expect(outcome(e.decide(ctx('mail', { sender: 'x@x', session: { user: 'u' } })))).toBe('452 limit');
  });

  it('a delay rule also delays a persona or limit refusal', () => {
    const { engine: e } = engine({
      persona: { auth: { required: true } },
      rules: [{ name: 'lag', when: { phase: 'mail' }, action: { delay: '2s' } }],
    });
    const d = e.decide(ctx('mail', { sender: 'a@b' }));
    expect([d.delayMs, outcome(d), d.fired.map((f) => `${f.source}:${f.name}`)]).toEqual([2000, '530 5.7.0 Authentication required', ['rule:lag', 'persona:auth-required']]);
  });

  it('tarpit without a reply drips the normal reply; with one, drips that reply; a free tarpit drips a later refusal', () => {
    const { engine: e } = engine({
      rules: [
        { name: 'drip', when: { phase: 'helo' }, action: { tarpit: { bytesPerSecond: 5 } } },
        { name: 'drip-no', when: { phase: 'mail' }, action: { tarpit: {}, reply: reply(421, 'go away') } },
        { name: 'drip-all', when: { phase: 'rcpt' }, action: { tarpit: { bytesPerSecond: 2 } } },
        { name: 'no', when: { phase: 'rcpt', recipient: 'no@*' }, action: { reply: reply(550, 'no') } },
        { name: 'stop', when: { phase: 'rcpt', recipient: 'stall@*' }, action: { stall: true } },
      ],
    });
    expect(e.decide(ctx('helo')).verdict).toEqual({ kind: 'continue', tarpit: { bytesPerSecond: 5 } });
    expect(e.decide(ctx('mail', { sender: 'a@b' })).verdict).toEqual({ kind: 'reply', reply: { code: 421, lines: ['go away'] }, tarpit: { bytesPerSecond: 20 } });
    expect(e.decide(rcpt('no@x')).verdict).toEqual({ kind: 'reply', reply: { code: 550, lines: ['no'] }, tarpit: { bytesPerSecond: 2 } });
    expect(e.decide(rcpt('stall@x')).verdict).toEqual({ kind: 'stall' });
  });

  it('stall, disconnect (with partial reply or after bytes) and blackhole', () => {
    const { engine: e } = engine({
      rules: [
        { when: { phase: 'connect' }, action: { stall: true } },
        { when: { phase: 'helo', helo: 'drop' }, action: { disconnect: { partialReply: '421 {hostname} bye' } } },
        { when: { phase: 'data-start' }, action: { disconnect: { afterBytes: 100 } } },
        { when: { phase: 'data-end' }, action: { blackhole: true } },
      ],
    });
    expect(e.sessionOpened(session()).verdict).toEqual({ kind: 'stall' });
    expect(e.decide(ctx('helo', { session: { helo: 'drop' } })).verdict).toEqual({ kind: 'disconnect', partialReply: '421 mailsim.test bye' });
    expect(e.decide(ctx('data-start')).verdict).toEqual({ kind: 'disconnect', afterBytes: 100 });
    expect(e.decide(ctx('data-end', { message: { size: 1, headers: {} } })).verdict).toEqual({ kind: 'blackhole' });
  });

  it('renders placeholders in rule replies, multi-line replies included', () => {
    const { engine: e } = engine({
      persona: { hostname: 'smtp.gmail.com' },
      rules: [{ when: { phase: 'rcpt' }, action: { reply: { code: 550, enhanced: '5.1.1', text: ['The email account {recipient} does not exist.', '{recipientDomain} - {id} - gsmtp'] } } }],
    });
    expect(e.decide(rcpt('nobody@example.com', { session: { id: 'abc123' } })).verdict).toEqual({
      kind: 'reply',
      reply: { code: 550, enhanced: '5.1.1', lines: ['The email account nobody@example.com does not exist.', 'example.com - abc123 - gsmtp'] },
    });
  });
});

describe('FaultEngine: determinism', () => {
  const phases: Phase[] = ['mail', 'rcpt', 'data-end'];
  const flaky = (seed: number) =>
    scenario({
      seed,
      rules: [
        { name: 'a', when: { phase: 'rcpt' }, select: { probability: 0.3 }, action: { reply: reply(451, 'a') } },
        { name: 'b', when: { phase: 'mail' }, select: { probability: 0.5, per: 'sender' }, action: { delay: 100 } },
        { name: 'c', when: { phase: 'data-end' }, select: { probability: 0.2 }, action: { reply: reply(554, 'c') } },
      ],
    });
  const event = fc.record({ phase: fc.constantFrom(...phases), who: fc.integer({ min: 0, max: 3 }) });
  const run = (seed: number, events: { phase: Phase; who: number }[]) => {
    const e = new TestEngine(flaky(seed), { clock: new FakeClock(), defaults });
    return events.map(({ phase, who }) =>
      e.decide(ctx(phase, { sender: `s${who}@x`, recipient: phase === 'rcpt' ? `r${who}@y` : undefined, recipients: [`r${who}@y`], message: { size: 1, headers: {} } })),
    );
  };

  it('(d) property: the same seed and the same events give identical decisions', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(event, { maxLength: 60 }), (seed, events) => {
        expect(run(seed, events)).toEqual(run(seed, events));
      }),
      { numRuns: 100 },
    );
  });

  it('(d) different seeds give different decisions', () => {
    const events = Array.from({ length: 300 }, (_, i) => ({ phase: phases[i % 3]!, who: i % 4 }));
    const outcomes = (seed: number) => run(seed, events).map((d) => `${outcome(d)}/${d.delayMs}`);
    const seeds = [1, 2, 3, 4, 5];
    const distinct = new Set(seeds.map((s) => outcomes(s).join(',')));
    expect(distinct.size).toBe(seeds.length);
  });

  it('adding a rule does not shift another rule’s draws', () => {
    const rule = { name: 'p', when: { phase: 'rcpt' as const }, select: { probability: 0.5 }, action: { reply: reply(451, 'p') } };
    const hits = (rules: unknown[]) => {
      const { engine: e } = engine({ seed: 11, rules: rules as never });
      return Array.from({ length: 200 }, () => outcome(e.decide(rcpt('x@y'))));
    };
    const alone = hits([rule]);
    const withExtra = hits([rule, { name: 'q', when: { phase: 'rcpt', recipient: 'never@*' }, select: { probability: 0.5 }, action: { delay: 1 } }]);
    expect(withExtra).toEqual(alone);
    expect(alone.filter((o) => o !== 'continue').length).toBeGreaterThan(70);
  });

  it('reset forgets counts and rewinds the PRNG', () => {
    const { engine: e } = engine({ seed: 5, rules: [{ when: { phase: 'rcpt' }, select: { probability: 0.5, first: 50 }, action: { reply: reply(451, 'x') } }] });
    const first = Array.from({ length: 80 }, () => outcome(e.decide(rcpt('x@y'))));
    e.reset();
    expect(Array.from({ length: 80 }, () => outcome(e.decide(rcpt('x@y'))))).toEqual(first);
  });
});

describe('FaultEngine: clock, counters, problems', () => {
  it('a ScenarioClock advanced by 24h shows a daily quota reset without waiting', () => {
    const clock = new ScenarioClock(new FakeClock());
    const e = new TestEngine(
      scenario({ limits: [{ name: 'daily', kind: 'messages', max: 1, window: { fixed: '1d', timeZone: 'UTC' }, reply: reply(550, 'Daily user sending quota exceeded.', '5.4.5') }] }),
      { clock, defaults },
    );
    const m = ctx('data-end', { sender: 'a@b', recipients: ['c@d'], message: { size: 1, headers: {} } });
    e.delivered(m);
    expect(outcome(e.decide(m))).toBe('550 5.4.5 Daily user sending quota exceeded.');
    clock.advance(24 * HOUR);
    expect(outcome(e.decide(m))).toBe('continue');
    expect(e.counters()[0]).toMatchObject({ count: 0, windowStart: Date.UTC(2026, 10, 22), nextReset: Date.UTC(2026, 10, 23) });
  });

  it('validation refuses a bad regex, time zone or zero-length window, and says where', () => {
    const rules = [
      { name: 'r', when: { phase: 'mail', sender: { regex: '(' } }, action: { delay: 1 } },
      { when: { phase: 'mail' }, select: { window: { from: '09:00', to: '10:00', timeZone: 'Mars/Olympus' } }, action: { delay: 1 } },
    ];
    const limits = [{ name: 'l', kind: 'messages', max: 1, window: { fixed: 0 }, reply: reply(550) }];
    expect(validateScenario({ rules: [rules[0]] })).toMatchObject({ ok: false, issue: { path: ['rules', 0, 'when', 'sender', 'regex'], message: expect.stringMatching(/^not a valid RE2 regex/) } });
    expect(validateScenario({ rules: [rules[1]] })).toEqual({ ok: false, issue: { path: ['rules', 0, 'select', 'window', 'timeZone'], message: 'unknown time zone "Mars/Olympus"' } });
    expect(validateScenario({ limits })).toEqual({ ok: false, issue: { path: ['limits', 0, 'window', 'fixed'], message: 'must be longer than zero' } });
    expect(validateScenario({}).ok).toBe(true);
  });

  it('never throws for a scenario that skipped validation: the broken parts are skipped and say so', () => {
    // What validation refuses, handed to the engine directly, as a lazily built engine might get it.
    const bad = {
      ...scenario({ rules: [{ name: 'ok', when: { phase: 'mail', sender: 'x@y' }, action: { reply: reply(550, 'matched') } }] }),
      rules: [
        { name: 'r', when: { phase: 'mail', sender: { regex: '(' } }, select: { per: 'global' }, action: { delay: 1 } },
        { name: 'tz', when: { phase: 'mail' }, select: { per: 'global', window: { from: '09:00', to: '10:00', timeZone: 'Mars/Olympus' } }, action: { delay: 1 } },
        { name: 'ok', when: { phase: 'mail', sender: 'x@y' }, select: { per: 'global' }, action: { reply: reply(550, 'matched') } },
      ],
      limits: [{ name: 'l', kind: 'messages', key: 'global', phase: 'data-end', max: 1, window: { fixed: 0, timeZone: 'UTC' }, reply: reply(550) }],
    } as Scenario;
    const e = new TestEngine(bad, { clock: new FakeClock(), defaults });
    expect(outcome(e.sessionOpened(session()))).toBe('continue');
    const decision = e.decide(ctx('mail', { sender: 'x@y' }));
    expect(outcome(decision)).toBe('550 matched');
    expect(decision.fired.map((f) => f.reason)).toEqual([
      expect.stringMatching(/^rule 'r' failed and was skipped: not a valid RE2 regex/),
      expect.stringMatching(/^rule 'tz' failed and was skipped: /),
      expect.stringMatching(/^rule 'ok' matched/),
    ]);
    const end = ctx('data-end', { sender: 'a@b', recipients: ['c@d'], message: { size: 1, headers: {} } });
    expect(e.decide(end).fired).toEqual([]);
    expect(() => e.delivered(end)).not.toThrow();
    expect(e.decide(end).fired.map((f) => f.reason)).toEqual([expect.stringMatching(/^limit 'l' failed and was skipped: window length must be positive/)]);
    expect(e.counters()).toEqual([]);
  });

  it('trackSession counts a session that switched to this scenario without a connect decision', () => {
    const { engine: e } = engine({
      rules: [{ name: 'count', when: { phase: 'connect' }, select: { nth: 1 }, action: { reply: reply(421, 'first connection') } }],
      limits: [
        { name: 'conc', kind: 'concurrent', key: 'user', max: 1, phase: 'mail', reply: reply(451, 'busy') },
        { name: 'rate', kind: 'connections', max: 5, window: { rolling: '1h' }, reply: reply(421, 'rate') },
      ],
    });
    e.trackSession(session({ id: 'moved', user: 'u' }));
    expect(e.counters().filter((c) => c.kind === 'connections')).toEqual([]);
    expect(outcome(e.sessionOpened(session({ id: 'new' })))).toBe('421 first connection');
    expect(outcome(e.decide(ctx('mail', { sender: 'a@b', session: { id: 'new', user: 'u' } })))).toBe('451 busy');
  });
});

describe('explanations', () => {
  it('a rule or limit that fires carries its explain block in fired', () => {
    const explain = { cause: 'The daily quota is used up.', advice: 'Retry after the reset.', source: 'invented' };
    const { engine: e } = engine({
      rules: [{ name: 'busy', when: { phase: 'helo' }, action: { reply: reply(421) }, explain }],
      limits: [{ name: 'one', kind: 'messages', max: 0, window: { fixed: '1d' }, phase: 'mail', reply: reply(550), explain: { cause: 'No messages allowed.', advice: 'Do not send.' } }],
    });
    expect(e.decide(ctx('helo')).fired[0]?.explanation).toEqual(explain);
    expect(e.decide(ctx('mail', { sender: 'a@b' })).fired[0]?.explanation).toEqual({ cause: 'No messages allowed.', advice: 'Do not send.' });
  });
});
