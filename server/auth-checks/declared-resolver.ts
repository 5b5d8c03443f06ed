import type { AuthDnsLookup } from '../protocol.js';
import { type DnsRecords, normaliseDnsName } from '../faults/dns-schema.js';

/** The resolver mailauth calls: dns.promises.resolve's shape (TXT as arrays of character strings). */
export type Resolver = (name: string, type: string) => Promise<unknown[]>;

/** Asked for names nobody declared, with --dns only: a real lookup. */
export type Fallback = (name: string, type: string) => Promise<unknown[]>;

/**
 * What node:dns throws for "no such name" (NXDOMAIN) and "no such record" (NODATA): mailauth
 * turns these into SPF none, DKIM "no key" and DMARC none (RFC 7208 §4.3, RFC 7489 §6.6.3).
 */
function dnsError(code: 'ENOTFOUND' | 'ENODATA', name: string, type: string): Error {
  return Object.assign(new Error(`query${type} ${code} ${name}`), { code, hostname: name });
}

function answerOf(type: string, records: NonNullable<DnsRecords[string]>): unknown[] | undefined {
  switch (type) {
    case 'TXT':
      return records.TXT?.map((record) => (Array.isArray(record) ? record : [record]));
    case 'MX':
      return records.MX;
    case 'A':
      return records.A;
    case 'AAAA':
      return records.AAAA;
    default:
      return undefined;
  }
}

const summary = (answer: unknown[]): string => answer.map((record) => (Array.isArray(record) ? record.join('') : typeof record === 'object' ? JSON.stringify(record) : String(record))).join(' | ');

/**
 * Answers from the declared records; a name not declared is NXDOMAIN and a type not declared
 * for a name is NODATA, both without leaving the process. Only a `fallback` (--dns) goes to the
 * network, and only for names not declared. This module never imports node:dns, so the
 * default checks cannot look anything up by mistake. Every lookup is logged for the report.
 */
export function declaredResolver(records: DnsRecords, fallback?: Fallback): { resolve: Resolver; lookups: AuthDnsLookup[] } {
  const byName = new Map(Object.entries(records).map(([name, set]) => [normaliseDnsName(name), set]));
  const lookups: AuthDnsLookup[] = [];
  const resolve: Resolver = async (rawName, rawType) => {
    const name = normaliseDnsName(rawName);
    const type = rawType.toUpperCase();
    const declared = byName.get(name);
    if (declared) {
      const answer = answerOf(type, declared);
      if (!answer?.length) {
        lookups.push({ Name: name, Type: type, Source: 'declared', Answer: 'NODATA' });
        throw dnsError('ENODATA', name, type);
      }
      lookups.push({ Name: name, Type: type, Source: 'declared', Answer: summary(answer) });
      return answer;
    }
    if (!fallback) {
      lookups.push({ Name: name, Type: type, Source: 'missing', Answer: 'NXDOMAIN (not declared)' });
      throw dnsError('ENOTFOUND', name, type);
    }
    try {
      const answer = await fallback(name, type);
      lookups.push({ Name: name, Type: type, Source: 'network', Answer: summary(answer) });
      return answer;
    } catch (error) {
      lookups.push({ Name: name, Type: type, Source: 'network', Answer: (error as { code?: string }).code ?? (error as Error).message });
      throw error;
    }
  };
  return { resolve, lookups };
}
