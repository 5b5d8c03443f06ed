import { describe, expect, it } from 'vitest';
import { addressList, formatAddress, formatCount, formatDuration, formatSize, offsetLabel, plural, relativeTime } from '../../ui/src/lib/format.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');

describe('relativeTime', () => {
  it.each([
    [0, 'just now'],
    [9_999, 'just now'],
    [-3_000, 'just now'],
    [42_000, '42 s ago'],
    [5 * 60_000 + 5_000, '5 min ago'],
    [3 * 3_600_000, '3 h ago'],
    [30 * 3_600_000, 'yesterday'],
    [4 * 86_400_000, '4 days ago'],
  ])('%i ms ago reads "%s"', (ago, text) => {
    expect(relativeTime(NOW - ago, NOW)).toBe(text);
  });

  it('falls back to the local date after a week, and accepts RFC 3339 strings', () => {
    const old = new Date(2025, 0, 31, 10, 0, 0).getTime();
    expect(relativeTime(old, NOW)).toBe('2025-01-31');
    expect(relativeTime(new Date(NOW - 120_000).toISOString(), NOW)).toBe('2 min ago');
    expect(relativeTime('not a date', NOW)).toBe('');
  });
});

describe('sizes, durations, counts', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KB'],
    [4200, '4.1 KB'],
    [12_800, '13 KB'],
    [2.5 * 1024 * 1024, '2.5 MB'],
    [25 * 1024 * 1024, '25 MB'],
    [-1, ''],
  ])('formatSize(%d) = %s', (bytes, text) => expect(formatSize(bytes)).toBe(text));

  it.each([
    [850, '850 ms'],
    [1250, '1.25 s'],
    [42_000, '42.0 s'],
    [192_000, '3 min 12 s'],
    [7_500_000, '2 h 5 min'],
    [null, ''],
  ])('formatDuration(%s) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('formats counts, plurals and transcript offsets without the browser locale', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
    expect(plural(1, 'message')).toBe('1 message');
    expect(plural(50_000, 'message')).toBe('50,000 messages');
    expect(plural(2, 'match', 'matches')).toBe('2 matches');
    expect(offsetLabel(1250)).toBe('+1.250 s');
  });

  it('formats addresses', () => {
    expect(formatAddress({ Name: 'Ann', Address: 'ann@example.com' })).toBe('Ann <ann@example.com>');
    expect(formatAddress({ Name: '', Address: 'bob@example.com' })).toBe('bob@example.com');
    expect(formatAddress(null)).toBe('');
    expect(addressList([{ Name: 'Ann', Address: 'a@x' }, { Name: '', Address: 'b@x' }], true)).toBe('Ann, b@x');
  });
});
