import { badRequest } from '../errors/catalogue.js';
import type { InboundRequest } from '../ports/inbound.js';
import { headerMap } from '../util/headers.js';
import { parseAddresses } from './addresses.js';
import type { Addr, Draft } from './compose.js';
import { SIMULATED_HEADER } from './replies.js';

type Fields = Extract<InboundRequest, { fields: unknown }>['fields'];

function addresses(list: readonly string[], field: string): Addr[] {
  return list.map((text, index) => {
    const [parsed] = parseAddresses(text);
    if (!parsed) throw badRequest(`invalid body ${field}.${index}: expected an e-mail address, got ${JSON.stringify(text)}`);
    return parsed;
  });
}

/** A message from JSON fields; it lands in the maildrops of To and Cc, or of `mailboxes`. */
export function inboundDraft(fields: Fields, mailboxes: string[] | undefined): Draft {
  const [from] = addresses([fields.From], 'From');
  const to = addresses(fields.To, 'To');
  const cc = addresses(fields.Cc ?? [], 'Cc');
  const headers = Object.entries(fields.Headers ?? {}).filter(([name]) => name.toLowerCase() !== SIMULATED_HEADER.toLowerCase());
  return {
    from: from!,
    to,
    cc,
    subject: fields.Subject ?? '',
    text: fields.Text ?? (fields.HTML === undefined ? '' : undefined),
    html: fields.HTML,
    inReplyTo: fields.InReplyTo,
    references: fields.InReplyTo ? [fields.InReplyTo] : undefined,
    headers: [...headers, [SIMULATED_HEADER, 'inbound']],
    envelope: { from: from!.address, to: mailboxes ?? [...to, ...cc].map((a) => a.address) },
  };
}

/**
 * RFC 5322 text as given, with X-Mailsim-Simulated in front (as a Received line would be); the
 * envelope from the request, else from the From, To and Cc headers (Bcc is never in them).
 */
export function rawInbound(raw: Buffer, from: string | undefined, mailboxes: string[] | undefined): { raw: Buffer; envelope: { from: string; to: string[] } } {
  const headers = headerMap(raw);
  const named = (name: string) => parseAddresses((headers[name] ?? []).join(', ')).map((a) => a.address);
  const to = mailboxes ?? [...named('To'), ...named('Cc')];
  if (!to.length) throw badRequest('invalid body: the message has no To or Cc address to deliver it to; add one, or name the mailbox with ?mailbox=');
  const crlf = raw.includes('\r\n') ? '\r\n' : '\n';
  return {
    raw: Buffer.concat([Buffer.from(`${SIMULATED_HEADER}: inbound${crlf}`), raw]),
    envelope: { from: from ?? named('From')[0] ?? '', to },
  };
}
