import { readFileSync } from 'node:fs';
import { CodedError } from '../errors/catalogue.js';
import type { DnsRecords } from '../faults/dns-schema.js';
import { formatDnsFileError, parseDnsFile } from '../scenarios/dns-file.js';

/**
 * --dns-file, read once at start-up: a file that is missing or wrong stops the start with the
 * file, line and field named (exit 2), as a bad auth file does, rather than checking mail
 * against records the user did not mean.
 */
export function loadDnsFile(file: string | undefined): DnsRecords {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CodedError('BAD_REQUEST', `--dns-file: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseDnsFile(text, file);
  if (!parsed.ok) throw new CodedError('BAD_REQUEST', `--dns-file ${formatDnsFileError(parsed.error)}`);
  return parsed.records;
}
