import { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DecisionRunner } from '../server/smtp/decision-runner.js';

/** A socket that is never connected: the runner only reads `destroyed` and calls destroy(). */
function idleSocket(): Socket {
  return new Socket();
}

describe('DecisionRunner.after', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('runs a long wait in two steps and acts at the due time, not before', () => {
    const runner = new DecisionRunner(idleSocket());
    const fn = vi.fn();
    const timers = vi.spyOn(globalThis, 'setTimeout');
    runner.after(1000, fn);
    vi.advanceTimersByTime(975);
    expect(fn).not.toHaveBeenCalled();
    // Woken 25 ms early, it waits again for exactly what is left by the monotonic clock.
    expect(timers.mock.calls.map(([, ms]) => ms)).toEqual([975, 25]);
    vi.advanceTimersByTime(24);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a first timer that wakes late acts at once instead of waiting again', () => {
    const runner = new DecisionRunner(idleSocket());
    const fn = vi.fn();
    const start = performance.now();
    runner.after(200, fn);
    // The process was busy: by the time the first timer runs, the due time has passed.
    vi.spyOn(performance, 'now').mockReturnValue(start + 230);
    vi.advanceTimersByTime(175);
    expect(fn).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('short waits use one timer', () => {
    const runner = new DecisionRunner(idleSocket());
    const fn = vi.fn();
    runner.after(10, fn);
    vi.advanceTimersByTime(10);
    expect(fn).toHaveBeenCalledOnce();
  });

  it('dispose() cancels the wait in either step, and a closed connection is not acted on', () => {
    const disposed = new DecisionRunner(idleSocket());
    const early = vi.fn();
    disposed.after(500, early);
    vi.advanceTimersByTime(480); // in the second step
    disposed.dispose();
    vi.advanceTimersByTime(100);
    expect(early).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);

    const socket = idleSocket();
    const closed = new DecisionRunner(socket);
    const late = vi.fn();
    closed.after(100, late);
    socket.destroy();
    vi.advanceTimersByTime(200);
    expect(late).not.toHaveBeenCalled();
  });
});
