import type { Phase } from '../faults/schema.js';

/** The phase a command line opens; commands outside the fault model (NOOP, VRFY...) map to none. */
const PHASE_OF_VERB: Record<string, Phase> = {
  HELO: 'helo',
  EHLO: 'helo',
  LHLO: 'helo',
  STARTTLS: 'starttls',
  AUTH: 'auth',
  MAIL: 'mail',
  RCPT: 'rcpt',
  DATA: 'data-start',
  RSET: 'rset',
  QUIT: 'quit',
};

export function verbOf(line: string): string {
  return (line.trimStart().split(/\s/, 1)[0] ?? '').toUpperCase();
}

export function phaseOf(line: string): Phase | undefined {
  return PHASE_OF_VERB[verbOf(line)];
}

/**
 * The address and SIZE= of "MAIL FROM:<a@b> SIZE=123" or "RCPT TO:<c@d>". Lenient on purpose:
 * the engine decides before smtp-server validates, and a rule must still see what the client
 * meant (smtp-server answers real syntax errors itself when the command goes through).
 */
export function parseAddressCommand(line: string): { address: string | undefined; size: number | undefined } {
  const match = /^\s*(?:MAIL\s+FROM|RCPT\s+TO)\s*:\s*(?:<([^>]*)>|(\S+))(.*)$/i.exec(line);
  if (!match) return { address: undefined, size: undefined };
  const address = (match[1] ?? match[2] ?? '').trim();
  const size = /(?:^|\s)SIZE=(\d+)/i.exec(match[3] ?? '')?.[1];
  return { address, size: size === undefined ? undefined : Number(size) };
}

/** "AUTH PLAIN dGVzdA==" → "PLAIN". */
export function authMechanism(line: string): string {
  return (line.trim().split(/\s+/)[1] ?? '').toUpperCase();
}

