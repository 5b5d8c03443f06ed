import type { Address } from '../../../server/protocol.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const pad = (n: number) => String(n).padStart(2, '0');

/** 2025-01-31 in local time. */
export function dateLabel(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** 14:05:09 in local time. */
export function timeLabel(time: number): string {
  const d = new Date(time);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "2025-01-31 14:05:09": what a tooltip shows. */
export function fullTime(time: number | string): string {
  const t = typeof time === 'string' ? Date.parse(time) : time;
  return Number.isNaN(t) ? '' : `${dateLabel(t)} ${timeLabel(t)}`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "yesterday", "4 days ago", then the date. */
export function relativeTime(time: number | string, now: number): string {
  const t = typeof time === 'string' ? Date.parse(time) : time;
  if (Number.isNaN(t)) return '';
  const diff = now - t;
  if (diff < 10 * SECOND) return 'just now';
  if (diff < MINUTE) return `${Math.floor(diff / SECOND)} s ago`;
  if (diff < HOUR) return `${Math.floor(diff / MINUTE)} min ago`;
  if (diff < DAY) return `${Math.floor(diff / HOUR)} h ago`;
  if (diff < 2 * DAY) return 'yesterday';
  if (diff < 7 * DAY) return `${Math.floor(diff / DAY)} days ago`;
  return dateLabel(t);
}

/** How long until something happens: "in 40 s", "in 5 min", "in 3 h 12 min", "in 2 days 4 h"; "now" once due. */
export function untilLabel(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  if (ms < SECOND) return 'now';
  if (ms < MINUTE) return `in ${Math.floor(ms / SECOND)} s`;
  if (ms < HOUR) return `in ${Math.floor(ms / MINUTE)} min`;
  if (ms < DAY) {
    const minutes = Math.floor((ms % HOUR) / MINUTE);
    return `in ${Math.floor(ms / HOUR)} h${minutes ? ` ${minutes} min` : ''}`;
  }
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  return `in ${days} ${days === 1 ? 'day' : 'days'}${hours ? ` ${hours} h` : ''}`;
}

/** 512 B, 4.1 KB, 12 KB, 2.5 MB (binary multiples, one decimal below ten). */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  const text = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value));
  return `${text} ${units[unit]}`;
}

/** 850 ms, 1.25 s, 42.0 s, 3 min 12 s, 2 h 5 min. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < SECOND) return `${Math.round(ms)} ms`;
  if (ms < 10 * SECOND) return `${(ms / SECOND).toFixed(2)} s`;
  if (ms < MINUTE) return `${(ms / SECOND).toFixed(1)} s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ${Math.floor((ms % MINUTE) / SECOND)} s`;
  return `${Math.floor(ms / HOUR)} h ${Math.floor((ms % HOUR) / MINUTE)} min`;
}

/** "+1.250 s" relative to the session start, for transcript lines. */
export function offsetLabel(ms: number): string {
  return `+${(Math.max(0, ms) / SECOND).toFixed(3)} s`;
}

/** "Ann Example <ann@example.com>", or the bare address. */
export function formatAddress(address: Address | null | undefined): string {
  if (!address) return '';
  return address.Name ? `${address.Name} <${address.Address}>` : address.Address;
}

/** What a list row shows: the name if there is one, else the address. */
export function shortAddress(address: Address | null | undefined): string {
  if (!address) return '';
  return address.Name || address.Address;
}

export function addressList(addresses: readonly Address[], short = false): string {
  return addresses.map((a) => (short ? shortAddress(a) : formatAddress(a))).join(', ');
}

/** 1234567 → "1,234,567" without depending on the browser's locale. */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
