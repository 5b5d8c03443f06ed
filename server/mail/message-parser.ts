import { simpleParser, type AddressObject, type Attachment as ParsedAttachment, type ParsedMail } from 'mailparser';
import { htmlText } from './html-text.js';
import { boundHeader, cutParts, headerEnd, headerOnly } from './mime-bounds.js';
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
 * A single-part plain-text message (most test mail) has its header parsed by mailparser and
 * its body read as mailparser would read it, without its MIME pipeline (plainSummary).
 */
export async function parseSummary(raw: Buffer, onlyHeader = false): Promise<ParsedSummary> {
  if (onlyHeader) return fullSummary(headerOnly(raw));
  return (await plainSummary(raw)) ?? fullSummary(raw);
}

/** The summary from mailparser's whole MIME tree. */
export async function fullSummary(raw: Buffer): Promise<ParsedSummary> {
  const { mail, problems } = await parseMessage(raw);
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

/** Character sets whose bytes mailparser reads as UTF-8 without a decoder (its own list). */
const UTF8_CHARSETS = new Set(['ascii', 'usascii', 'utf8']);
const IDENTITY_ENCODINGS = new Set(['7bit', '8bit']);

/**
 * The summary of a message whose whole body is one plain-text part, or undefined for any other
 * (the caller parses it in full). With mailparser's MIME pipeline (a splitter, a decoder and a
 * charset stream per part) left out this costs half the CPU of the full parse on a 4 KiB
 * message (0.19 against 0.40 ms here), and the writer parses every such message at ingest.
 * The body is then what mailparser makes of it (mail-parser.js, an inline text/plain node with
 * identity transfer encoding and a UTF-8-compatible charset): its bytes as UTF-8 with line ends
 * made LF. Anything else (flowed text, another charset or encoding, a disposition, a name, a
 * header past the bounds) goes the full way; test/parse-summary.test.ts compares both on a
 * varied corpus.
 */
export async function plainSummary(raw: Buffer): Promise<ParsedSummary | undefined> {
  const end = headerEnd(raw);
  const { mail, problems } = await parseMessage(headerOnly(raw));
  if (problems.length || !isPlainSinglePart(mail)) return undefined;
  const bodyStart = raw[end] === 0x0d ? end + 2 : end + 1;
  const text = bodyStart < raw.length ? raw.toString('utf8', bodyStart).replace(/\r?\n/g, '\n') : '';
  return {
    ...summaryFields(mail),
    text: text.length > SEARCH_TEXT_LIMIT ? text.slice(0, SEARCH_TEXT_LIMIT) : text,
    snippet: snippet(text),
    attachments: 0,
    inline: 0,
    problems,
  };
}

function isPlainSinglePart(mail: ParsedMail): boolean {
  const headers = mail.headers;
  if (headers.has('content-disposition')) return false;
  const type = headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type !== undefined) {
    if (typeof type !== 'object' || String(type.value).toLowerCase() !== 'text/plain') return false;
    const params = type.params ?? {};
    for (const name of Object.keys(params)) {
      if (name === 'charset') {
        if (!UTF8_CHARSETS.has(String(params[name]).toLowerCase().replace(/[^a-z0-9]+/g, ''))) return false;
      } else if (name !== 'format' || String(params[name]).toLowerCase() !== 'fixed') return false;
    }
  }
  const encoding = headers.get('content-transfer-encoding');
  return encoding === undefined || (typeof encoding === 'string' && IDENTITY_ENCODINGS.has(encoding.trim().toLowerCase()));
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
