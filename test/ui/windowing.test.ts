import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pageAligned, scrollToReveal, shownRows, windowFor } from '../../ui/src/lib/windowing.js';

describe('virtual list windowing', () => {
  it('renders what is visible plus overscan, clamped to the list', () => {
    expect(windowFor(0, 580, 58, 50_000, 10)).toEqual({ start: 0, end: 20, visibleStart: 0, visibleEnd: 10 });
    expect(windowFor(58 * 1000 + 20, 580, 58, 50_000, 10)).toEqual({ start: 990, end: 1021, visibleStart: 1000, visibleEnd: 1011 });
    expect(windowFor(58 * 49_995, 580, 58, 50_000, 10)).toMatchObject({ end: 50_000, visibleEnd: 50_000 });
    expect(windowFor(0, 580, 58, 0)).toEqual({ start: 0, end: 0, visibleStart: 0, visibleEnd: 0 });
  });

  it('never renders more than a screen plus overscan, however long the list', () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 100 }), fc.nat(1_000_000), (scroll, height, row, count) => {
        const w = windowFor(scroll, height, row, count, 10);
        expect(w.start).toBeGreaterThanOrEqual(0);
        expect(w.end).toBeLessThanOrEqual(count);
        expect(w.start).toBeLessThanOrEqual(w.end);
        expect(w.end - w.start).toBeLessThanOrEqual(Math.ceil(height / row) + 2 + 20);
        if (count > 0) expect(w.visibleStart).toBeLessThan(count);
      }),
    );
  });

  it('scrolls just enough to reveal a row', () => {
    expect(scrollToReveal(5, 0, 580, 58)).toBeUndefined();
    expect(scrollToReveal(10, 0, 580, 58)).toBe(58);
    expect(scrollToReveal(2, 580, 580, 58)).toBe(116);
  });

  it('aligns requests to pages', () => {
    expect(pageAligned(130, 170, 100, 50_000)).toEqual({ start: 100, limit: 100 });
    expect(pageAligned(90, 230, 100, 50_000)).toEqual({ start: 0, limit: 300 });
    expect(pageAligned(49_950, 50_010, 100, 50_000)).toEqual({ start: 49_900, limit: 100 });
  });
});

describe('rows on screen', () => {
  it('counts a row when at least half of it shows', () => {
    expect(shownRows(0, 580, 58, 50)).toEqual({ start: 0, end: 10 });
    expect(shownRows(58 * 20 + 29, 580, 58, 50)).toEqual({ start: 20, end: 31 });
    expect(shownRows(58 * 20 + 30, 580, 58, 50)).toEqual({ start: 21, end: 31 });
    expect(shownRows(0, 580, 58, 4)).toEqual({ start: 0, end: 4 });
    expect(shownRows(0, 0, 58, 40)).toEqual({ start: 0, end: 0 });
  });
});
