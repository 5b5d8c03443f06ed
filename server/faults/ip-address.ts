import { unmapIPv4 } from '../util/mapped-ipv4.js';

/**
 * Client addresses as the scenario sees them: a scenario author writes `192.0.2.0/24`, so
 * mapped addresses are reduced to their IPv4 form before anything compares.
 */
export function normaliseAddress(address: string): string {
  let text = address.trim().toLowerCase();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  return unmapIPv4(text);
}

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function parseIPv6(text: string): bigint | undefined {
  const halves = text.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): number[] | undefined => {
    if (!half) return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (const [i, piece] of pieces.entries()) {
      const v4 = i === pieces.length - 1 && piece.includes('.') ? parseIPv4(piece) : undefined;
      if (v4 !== undefined) out.push(v4 >>> 16, v4 & 0xffff);
      else if (/^[0-9a-f]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return all.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** RFC 5952 text: lower case, longest run of zero groups (two or more) as "::". */
export function formatIPv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(16 * (7 - i))) & 0xffffn));
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j > i ? j : i + 1;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/** `10.0.0.0/8`, `2001:db8::/32` or `::ffff:10.0.0.0/104`; undefined if `text` is no CIDR. */
export function parseCidr(text: string): ((address: string) => boolean) | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(text.slice(slash + 1))) return undefined;
  const bits = Number(text.slice(slash + 1));
  const base = text.slice(0, slash).trim().toLowerCase();
  const unmapped = unmapIPv4(base);
  if (unmapped !== base && bits >= 96) return ipv4Cidr(unmapped, bits - 96);
  return ipv4Cidr(base, bits) ?? ipv6Cidr(base, bits);
}

function ipv4Cidr(base: string, bits: number): ((address: string) => boolean) | undefined {
  const network = parseIPv4(base);
  if (network === undefined || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (address) => {
    const value = parseIPv4(normaliseAddress(address));
    return value !== undefined && ((value & mask) >>> 0) === ((network & mask) >>> 0);
  };
}

function ipv6Cidr(base: string, bits: number): ((address: string) => boolean) | undefined {
  const network = parseIPv6(base);
  if (network === undefined || bits > 128) return undefined;
  const shift = BigInt(128 - bits);
  return (address) => {
    const value = parseIPv6(address.trim().toLowerCase().replace(/%.*$/, ''));
    return value !== undefined && value >> shift === network >> shift;
  };
}

/**
 * The client part of a greylisting triple: IPv4 reduced to its /prefix network (postgrey's
 * `--ipv4cidr`, default 24, because big senders retry from a neighbouring address of the same
 * pool), IPv6 kept whole in canonical form.
 */
export function clientNetwork(address: string, prefix: number): string {
  const text = normaliseAddress(address);
  const v4 = parseIPv4(text);
  if (v4 !== undefined) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    const net = (v4 & mask) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${prefix}`;
  }
  const v6 = parseIPv6(text);
  return v6 === undefined ? text : formatIPv6(v6);
}
