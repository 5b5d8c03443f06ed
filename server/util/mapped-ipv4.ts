const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * Node reports IPv4 clients of a dual-stack listener as IPv4-mapped IPv6 (`::ffff:192.0.2.1`,
 * RFC 4291 §2.5.5.2). Users know, and scenario authors write, the IPv4 form.
 */
export function unmapIPv4(address: string | undefined): string {
  const text = address ?? '';
  return MAPPED.exec(text)?.[1] ?? text;
}
