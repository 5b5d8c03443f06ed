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
});
