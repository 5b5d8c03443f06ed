import type { Address } from '../protocol.js';

/**
 * Bcc recipients never appear in the headers a client sends; the envelope is the only place
 * they show. Any RCPT TO not named in To or Cc (or a Bcc header) is listed as Bcc, after the
 * Bcc header's own.
 *
 * The writer stores the whole list but answers with the header's alone, and the mailbox builds
 * the rest again here from the envelope it sent (writer-protocol.ts): a message to 100,000
 * recipients made the event loop read 100,000 address objects out of the writer's reply,
 * ~0.5 s measured on the loaded machine, against ~0.05 s to build them here (issue 9, item 8).
 */
export function impliedBcc(headers: { to: readonly Address[]; cc: readonly Address[]; bcc: readonly Address[] }, recipients: readonly string[]): Address[] {
  const named = new Set<string>();
  for (const list of [headers.to, headers.cc, headers.bcc]) for (const a of list) named.add(a.Address.toLowerCase());
  const bcc = [...headers.bcc];
  for (const r of recipients) if (named.size === 0 || !named.has(r.toLowerCase())) bcc.push({ Name: '', Address: r });
  return bcc;
}
