import type { Address, MessageSummary } from '../protocol.js';

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

/**
 * Sets the summary's Bcc to impliedBcc's list, built when first read: the summary of a message
 * to 100,000 recipients is published on the bus at the end of its DATA, and when no UI, webhook
 * or waiter reads it, the 100,000 address objects were ~80 ms of the event loop under load in
 * the turn that answers the message (bench:hostile item 8b). An own enumerable property, so
 * JSON.stringify and object spread see it as before.
 */
export function setImpliedBcc(summary: MessageSummary, recipients: readonly string[]): void {
  const headers = { to: summary.To, cc: summary.Cc, bcc: summary.Bcc };
  const settle = (value: Address[]) => Object.defineProperty(summary, 'Bcc', { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(summary, 'Bcc', {
    enumerable: true,
    configurable: true,
    get: () => {
      const bcc = impliedBcc(headers, recipients);
      settle(bcc);
      return bcc;
    },
    set: settle,
  });
}
