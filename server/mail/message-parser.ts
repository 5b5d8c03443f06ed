import { simpleParser, type AddressObject, type Attachment as ParsedAttachment, type ParsedMail } from 'mailparser';
import { htmlText } from './html-text.js';
import { boundHeader, cutParts, headerOnly } from './mime-bounds.js';
import type { Address } from '../protocol.js';
import type { ParsedSummary } from './summary.js';

const SNIPPET_LENGTH = 250;
/** Search only needs the start of very large bodies; this bounds the per-message index row. */
const SEARCH_TEXT_LIMIT = 1 << 20;

/**
 * mailparser's own HTML-to-text is off (its input is unbounded and its depth unlimited: see
 * html-text.ts), and so are text-to-HTML and link detection, which cost more than the rest.
 */
const PARSER_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true } as const;

export interface ParsedMessage {
  mail: ParsedMail;
  /** What could not be parsed and why; empty for a message within every bound. */
  problems: string[];
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The message parsed within MIME_LIMITS. mailparser refuses a message past its own bounds
 * outright; here the header is trimmed first, a message with too many parts is cut before the
 * part past the bound, and a body that still cannot be parsed leaves its header to be read.
 */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const header = boundHeader(raw);
  const problems = [...header.problems];
  let failure: unknown;
  try {
    return { mail: await simpleParser(header.raw, PARSER_OPTIONS), problems };
  } catch (error) {
    failure = error;
  }
  if (/child nodes/i.test(reason(failure))) {
    const cut = cutParts(header.raw);
    try {
      return { mail: await simpleParser(cut.raw, PARSER_OPTIONS), problems: [...problems, ...cut.problems] };
    } catch (error) {
      failure = error;
    }
  }
  problems.push(`the MIME body could not be parsed (${reason(failure)}): only the header was read, the body shows in the raw source`);
  try {
    return { mail: await simpleParser(headerOnly(header.raw), PARSER_OPTIONS), problems };
  } catch (error) {
    problems.push(`the header could not be parsed either (${reason(error)})`);
    return { mail: await simpleParser(Buffer.from('\r\n'), PARSER_OPTIONS), problems };
  }
}

/**
 * The ingest parse: everything the list, search and summary need, nothing the full view needs.
 * `onlyHeader` reads just the header: the fallback when the whole message took too long.
 */
export async function parseSummary(raw: Buffer, onlyHeader = false): Promise<ParsedSummary> {
  const { mail, problems } = await parseMessage(onlyHeader ? headerOnly(raw) : raw);
  const text = bodyText(mail, problems);
  // Mailpit's search text ends with the attachments' file names, so free text finds `report.pdf`.
  const fileNames = mail.attachments.map((a) => a.filename ?? '').filter(Boolean).join(' ');
  const bounded = text.length > SEARCH_TEXT_LIMIT ? text.slice(0, SEARCH_TEXT_LIMIT) : text;
  return {
    ...summaryFields(mail),
    text: fileNames ? `${bounded}\n${fileNames}` : bounded,
    snippet: snippet(text),
    attachments: mail.attachments.filter((a) => !isInline(a)).length,
    inline: mail.attachments.filter(isInline).length,
    problems,
  };
}

function summaryFields(mail: ParsedMail) {
  return {
    messageId: stripAngles(mail.messageId ?? ''),
    subject: mail.subject ?? '',
    from: addressList(mail.from)[0] ?? null,
    to: addressList(mail.to),
    cc: addressList(mail.cc),
    bcc: addressList(mail.bcc),
    replyTo: addressList(mail.replyTo),
    date: validTime(mail.date),
    xTags: [mail.headers.get('x-tags') ?? []].flat().map(String),
  };
}

/** The text part, else the text of the HTML part; a conversion failure is added to `problems`. */
export function bodyText(mail: ParsedMail, problems: string[]): string {
  if (mail.text) return mail.text;
  if (typeof mail.html !== 'string') return '';
  try {
    return htmlText(mail.html);
  } catch (error) {
    problems.push(`the HTML could not be turned into text (${reason(error)})`);
    return '';
  }
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
