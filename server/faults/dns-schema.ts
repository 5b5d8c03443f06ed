import { z } from 'zod';
import { parseIPv4, parseIPv6 } from './ip-address.js';

/**
 * DNS records a scenario (`dns:`) or `--dns-file` declares, by name: what the message checks
 * (SPF, DKIM keys, DMARC policies) look up instead of the network. Only the record types those
 * checks read: TXT (SPF, DKIM, DMARC), MX and A/AAAA (SPF's `mx`, `a` mechanisms, RFC 7208 §5.3-5.4).
 */

/** A name as DNS compares it: lower case, no trailing dot (RFC 4343: names are case-insensitive). */
export const normaliseDnsName = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');

/** RFC 1035 §2.3.4: 63-octet labels, 253 characters; `_` for _dmarc and _domainkey (RFC 8553). */
const DNS_NAME = /^(?=.{1,253}\.?$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]) as z.output<T>[]);

/** "10 mx.example.com", or {priority, exchange}. */
const mxSchema = z.union([
  z
    .string()
    .regex(/^\d{1,5}\s+\S+$/, 'an MX record as "PRIORITY HOST" ("10 mx.example.com") or {priority, exchange}')
    .transform((text) => {
      const [priority, exchange] = text.trim().split(/\s+/);
      return { priority: Number(priority), exchange: normaliseDnsName(exchange!) };
    }),
  z.object({ priority: z.number().int().min(0).max(65535), exchange: z.string().min(1).transform(normaliseDnsName) }).strict(),
]);

export const dnsRecordSetSchema = z
  .object({
    TXT: oneOrMany(
      z.union([z.string(), z.array(z.string()).min(1)]).describe('one TXT record; a list is its character strings, joined as SPF and DKIM read them (RFC 7208 §3.3)'),
    ).optional(),
    MX: oneOrMany(mxSchema).optional(),
    A: oneOrMany(z.string().refine((value) => parseIPv4(value) !== undefined, 'an IPv4 address')).optional(),
    AAAA: oneOrMany(z.string().refine((value) => parseIPv6(value) !== undefined, 'an IPv6 address')).optional(),
  })
  .strict()
  .describe('the records of one name by type: TXT (SPF, DKIM keys, DMARC), MX, A, AAAA');

export const dnsRecordsSchema = z
  .record(z.string(), dnsRecordSetSchema)
  // The name is checked here rather than as the record's key schema: zod reports a bad key as
  // "Invalid key in record", which would hide what a name must look like.
  .superRefine((records, ctx) => {
    for (const name of Object.keys(records)) {
      if (!DNS_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a DNS name (such as example.com or sel._domainkey.example.com)` });
    }
  })
  .describe('DNS records by name, answered to the message checks (SPF, DKIM, DMARC) instead of the network; any other name does not exist');

export type DnsRecordSet = z.output<typeof dnsRecordSetSchema>;
export type DnsRecords = z.output<typeof dnsRecordsSchema>;
export type DnsRecordsInput = z.input<typeof dnsRecordsSchema>;

/** Several declarations as one (a later one's records for a name replace an earlier one's): --dns-file, then the scenario. */
export function mergeDnsRecords(...sets: (DnsRecords | undefined)[]): DnsRecords {
  const merged: DnsRecords = {};
  for (const set of sets) {
    for (const [name, records] of Object.entries(set ?? {})) {
      const key = normaliseDnsName(name);
      merged[key] = { ...merged[key], ...records };
    }
  }
  return merged;
}
