import { simpleParser, type AddressObject, type Attachment as ParsedAttachment, type ParsedMail } from 'mailparser';
import type { Address } from '../protocol.js';

export interface ParsedSummary {
  messageId: string;
  subject: string;
  from: Address | null;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  /** Date header in ms, null when missing or unparseable. */
  date: number | null;
  /** Plain text of the body (from the HTML part when there is no text part), for search. */
  text: string;
  snippet: string;
  attachments: number;
  inline: number;
  /** Values of the X-Tags headers (Mailpit's tagging header), undecoded. */
  xTags: string[];
}

const SNIPPET_LENGTH = 250;
/** Search only needs the start of very large bodies; this bounds the per-message index row. */
const SEARCH_TEXT_LIMIT = 1 << 20;

/**
 * The ingest parse: everything the list, search and summary need, nothing the full view needs
 * (text-to-HTML and link detection are skipped, they cost more than the rest together).
 */
export async function parseSummary(raw: Buffer): Promise<ParsedSummary> {
  const mail = await simpleParser(raw, {
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
  });
  const text = bodyText(mail);
  return {
    messageId: stripAngles(mail.messageId ?? ''),
    subject: mail.subject ?? '',
    from: addressList(mail.from)[0] ?? null,
    to: addressList(mail.to),
    cc: addressList(mail.cc),
    bcc: addressList(mail.bcc),
    replyTo: addressList(mail.replyTo),
    date: validTime(mail.date),
    text: text.length > SEARCH_TEXT_LIMIT ? text.slice(0, SEARCH_TEXT_LIMIT) : text,
    snippet: snippet(text),
    attachments: mail.attachments.filter((a) => !isInline(a)).length,
    inline: mail.attachments.filter(isInline).length,
    xTags: [mail.headers.get('x-tags') ?? []].flat().map(String),
  };
}

export function bodyText(mail: ParsedMail): string {
  if (mail.text) return mail.text;
  return typeof mail.html === 'string' ? htmlToPlain(mail.html) : '';
}

/** mailparser only converts HTML to text when asked to build everything; a rough strip suffices for search. */
function htmlToPlain(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;/gi, "'");
}

export function snippet(text: string): string {
  // Only the start of the text can reach the snippet; collapsing whitespace in a 25 MiB body
  // per message would cost more than the whole parse. Eight times the length covers all but
  // pathologically space-padded bodies.
  const collapsed = text.slice(0, SNIPPET_LENGTH * 8).replace(/\s+/g, ' ').trim();
  return collapsed.length > SNIPPET_LENGTH ? `${collapsed.slice(0, SNIPPET_LENGTH)}...` : collapsed;
}

/**
 * Mailpit's rule: parts marked `Content-Disposition: inline` or referenced from the HTML by
 * Content-ID are "Inline"; everything else is an attachment.
 */
export function isInline(attachment: ParsedAttachment): boolean {
  return attachment.contentDisposition === 'inline' || attachment.related === true;
}

export function addressList(field: AddressObject | AddressObject[] | undefined): Address[] {
  if (!field) return [];
  const objects = Array.isArray(field) ? field : [field];
  const out: Address[] = [];
  for (const object of objects) {
    for (const entry of object.value) {
      if (entry.group) {
        for (const member of entry.group) out.push({ Name: member.name ?? '', Address: member.address ?? '' });
      } else {
        out.push({ Name: entry.name ?? '', Address: entry.address ?? '' });
      }
    }
  }
  return out;
}

export function stripAngles(id: string): string {
  return id.replace(/^<|>$/g, '');
}

function validTime(date: Date | undefined): number | null {
  const time = date?.getTime();
  return time === undefined || Number.isNaN(time) ? null : time;
}
