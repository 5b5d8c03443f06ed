import { describe, expect, it } from 'vitest';
import { ScenarioClock } from '../../server/faults/scenario-clock.js';
import { DAY, FakeClock, T0 } from './helpers.js';

describe('ScenarioClock', () => {
  it('runs with the base clock plus an offset', () => {
    const base = new FakeClock();
    const clock = new ScenarioClock(base);
    expect(clock.now()).toBe(T0);
    clock.advance(DAY);
    expect(clock.now()).toBe(T0 + DAY);
    expect(clock.offset).toBe(DAY);
    base.advance(1000);
    expect(clock.now()).toBe(T0 + DAY + 1000);
  });

  it('advance moves the offset by exactly the amount even when the base clock ticks between reads', () => {
    // CI caught advanceClock('6m') answering OffsetMs 359,999: the base clock was read twice.
    let t = T0;
    const clock = new ScenarioClock({ now: () => t++ });
    clock.advance(360_000);
    expect(clock.offset).toBe(360_000);
    clock.advance(1);
    expect(clock.offset).toBe(360_001);
  });

  it('set jumps to an instant and keeps running from there', () => {
    const base = new FakeClock();
    const clock = new ScenarioClock(base);
    clock.set(Date.UTC(2030, 0, 1));
    expect(clock.now()).toBe(Date.UTC(2030, 0, 1));
    base.advance(5);
    expect(clock.now()).toBe(Date.UTC(2030, 0, 1) + 5);
  });

  it('reset returns to the base clock', () => {
    const clock = new ScenarioClock(new FakeClock());
    clock.advance(12345);
    clock.reset();
    expect(clock.offset).toBe(0);
    expect(clock.now()).toBe(T0);
  });

  it('refuses non-finite moves', () => {
    const clock = new ScenarioClock(new FakeClock());
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.set(Infinity)).toThrow(RangeError);
    expect(clock.offset).toBe(0);
  });

  it('stays within what a Date can represent: a move past ±8.64e15 ms is refused and changes nothing', () => {
    const base = new FakeClock();
    const clock = new ScenarioClock(base);
    clock.advance(DAY);
    expect(() => clock.advance(1e20 * 7 * DAY)).toThrow(/past what a date can represent/);
    expect(() => clock.advance(8.64e15)).toThrow(RangeError);
    expect(() => clock.set(-8.64e15 - 1)).toThrow(RangeError);
    expect(clock.offset).toBe(DAY);
    clock.set(8.64e15);
    base.advance(DAY);
    expect(clock.now()).toBe(8.64e15);
    expect(new Date(clock.now()).toISOString()).toBe('+275760-09-13T00:00:00.000Z');
  });
});
