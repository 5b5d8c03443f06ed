import { describe, expect, it } from 'vitest';
import type { CounterInfo } from '../../server/protocol.js';
import { counterView } from '../../ui/src/lib/counters.js';
import { describeAction, describeWhen, replyProblems } from '../../ui/src/lib/faults.js';
import { untilLabel } from '../../ui/src/lib/format.js';

describe('one-shot faults as words', () => {
  it('describes when and what', () => {
    expect(describeWhen({ phase: 'rcpt', recipient: '*@example.org' })).toBe('at RCPT to *@example.org');
    expect(describeWhen({ phase: 'mail', sender: [{ regex: '^bounce' }, 'a@b'], secure: false })).toBe('at MAIL FROM from /^bounce/ or a@b without TLS');
    expect(describeWhen({ phase: 'data-end', header: { name: 'X-Test' }, size: { min: 1000 } })).toBe('at the end of data with header X-Test size ≥ 1000 bytes');
    expect(describeAction({ reply: { code: 421, enhanced: '4.7.0', text: 'Try again later' } })).toBe('reply 421 4.7.0 Try again later');
    expect(describeAction({ delay: '5s', disconnect: {} })).toBe('wait 5 s, then disconnect');
    expect(describeAction({ delay: 1500 })).toBe('wait 1500 ms, then answer normally');
    expect(describeAction({ tarpit: { bytesPerSecond: 10 } })).toBe('the normal reply, dripped at 10 bytes/s');
    expect(describeAction({ blackhole: true })).toBe('answer 250 and discard the message (blackhole)');
  });

  it('refuses what the form must not send', () => {
    expect(replyProblems({ code: 451, enhanced: '4.7.1', text: 'Later', count: 1 })).toEqual([]);
    expect(replyProblems({ code: 451, enhanced: '', text: 'Later', count: 1 })).toEqual([]);
    expect(replyProblems({ code: 451, enhanced: '5.4.5', text: 'Later', count: 1 }).map((p) => p.field)).toEqual(['enhanced']);
    expect(replyProblems({ code: 550, enhanced: '5.1', text: ' ', count: 0 }).map((p) => p.field)).toEqual(['enhanced', 'text', 'count']);
    expect(replyProblems({ code: 99, enhanced: '', text: 'x', count: 1 }).map((p) => p.field)).toEqual(['code']);
  });
});

describe('counters on the scenario clock', () => {
  const base: CounterInfo = { Scenario: 's', Limit: 'l', Kind: 'messages', Key: '*', Count: 2, Max: 5, WindowStart: '2030-01-01T00:00:00.000Z', NextReset: '2030-01-02T00:00:00.000Z' };
  const at = (iso: string) => Date.parse(iso);

  it('counts down to the next window', () => {
    expect(untilLabel(90 * 60_000)).toBe('in 1 h 30 min');
    expect(untilLabel(26 * 3_600_000)).toBe('in 1 day 2 h');
    expect(untilLabel(0)).toBe('now');
    expect(counterView(base, at('2030-01-01T10:00:00Z'))).toMatchObject({ used: '2 / 5', fill: 0.4, next: 'in 14 h' });
  });

  it('reads a greylisted triple as attempts and when it passes', () => {
    const grey = { ...base, Kind: 'greylist', Count: 3, Max: 0, WindowStart: '2030-01-01T10:00:00.000Z', NextReset: '2030-01-01T10:05:00.000Z' };
    expect(counterView(grey, at('2030-01-01T10:01:00Z'))).toMatchObject({ used: '3 attempts', fill: null, next: 'passes in 4 min' });
    expect(counterView(grey, at('2030-01-01T10:06:00Z')).next).toBe('passes on the next retry');
    const passed = { ...grey, NextReset: '2030-02-05T10:06:00.000Z' };
    expect(counterView(passed, at('2030-01-01T10:07:00Z')).next).toBe('passed; forgotten in 34 days 23 h');
  });
});
