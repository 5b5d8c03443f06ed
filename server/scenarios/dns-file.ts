import { LineCounter, parseDocument } from 'yaml';
import { type DnsRecords, dnsRecordsSchema } from '../faults/dns-schema.js';
import { validate } from '../faults/validate.js';
import type { ScenarioError } from '../protocol.js';
import { nodeOffset } from './parse.js';

export type DnsFileResult = { ok: true; records: DnsRecords } | { ok: false; error: ScenarioError };

/**
 * Reads a --dns-file (YAML, or JSON, which is YAML too): a mapping of names to their records,
 * the same shape as a scenario's `dns:`. A failure names the file, line, column and field, as
 * a scenario file's does (parse.ts).
 */
export function parseDnsFile(text: string, file: string): DnsFileResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const fail = (offset: number, field: string, message: string): DnsFileResult => {
    const at = lines.linePos(offset);
    return { ok: false, error: { File: file, Line: at.line, Column: at.col, Field: field, Message: message } };
  };
  const syntax = doc.errors[0];
  if (syntax) return fail(syntax.pos[0], '', syntax.message.split('\n')[0] ?? 'invalid YAML');
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) return fail(0, '', 'a DNS file holds one mapping of names to records (example.com: {TXT: [...]})');
  const result = validate(dnsRecordsSchema, data);
  if (!result.ok) {
    const { path, message, unknownField } = result.issue;
    return fail(nodeOffset(doc, path, unknownField === true), path.join('.'), message);
  }
  return { ok: true, records: result.value };
}

/** "dns.yaml:4:7 example.com.TXT.0: expected string": one line for a start-up error. */
export const formatDnsFileError = (error: ScenarioError): string =>
  `${error.File}:${error.Line}:${error.Column}${error.Field ? ` ${error.Field}` : ''}: ${error.Message}`;
