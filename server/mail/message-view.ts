import { createHash } from 'node:crypto';
import type { Attachment as ParsedAttachment, ParsedMail } from 'mailparser';
import type { Attachment, ListUnsubscribe } from '../protocol.js';
import { headerMap } from '../util/headers.js';
import { boundHeader } from './mime-bounds.js';
import { bodyText, isInline, type ParsedMessage, stripAngles } from './message-parser.js';
import type { MessageBody } from './parse-protocol.js';

/**
 * What opening a message shows, from its parse (parse-thread.ts runs these off the event loop).
 * Everything here reads a message already parsed within MIME_LIMITS.
 */
export function messageBody({ mail, problems }: ParsedMessage): MessageBody {
  const errors = [...problems];
  const text = bodyText(mail, errors);
  return {
    ReturnPath: stripAngles(headerText(mail, 'return-path')),
    ListUnsubscribe: listUnsubscribe(mail),
    Text: text,
    HTML: typeof mail.html === 'string' ? mail.html : '',
    Inline: mail.attachments.filter(isInline).map(toAttachment),
    Attachments: mail.attachments.filter((a) => !isInline(a)).map(toAttachment),
    ParseErrors: errors,
  };
}

export function findPart({ mail }: ParsedMessage, partId: string): ParsedAttachment | undefined {
  return mail.attachments.find((a) => a.partId === partId);
}

/** The header map of /headers, of the header as far as it was read (MIME_LIMITS). */
export function headersOf(raw: Buffer): Record<string, string[]> {
  return headerMap(boundHeader(raw).raw);
}

/** A cid: reference as written; a malformed %-escape stays as it is rather than throwing. */
function decodeCid(cid: string): string {
  try {
    return decodeURIComponent(cid);
  } catch {
    return cid;
  }
}

/**
 * The HTML body with `cid:` references pointed at our part endpoint, so inline images show
 * when the page is viewed on its own (Mailpit's /view/{ID}.html does the same).
 */
export function renderHtml(id: string, { mail }: ParsedMessage): string {
  const html = typeof mail.html === 'string' ? mail.html : '';
  const byCid = new Map(mail.attachments.filter((a) => a.contentId).map((a) => [stripAngles(a.contentId ?? ''), a.partId]));
  return html.replace(/(["'(])cid:([^"')\s]+)/gi, (whole, quote: string, cid: string) => {
    const partId = byCid.get(decodeCid(cid)) ?? byCid.get(cid);
    return partId ? `${quote}/api/v1/message/${encodeURIComponent(id)}/part/${encodeURIComponent(partId)}` : whole;
  });
}

export function renderText(parsed: ParsedMessage): string {
  return bodyText(parsed.mail, [...parsed.problems]);
}

function toAttachment(part: ParsedAttachment): Attachment {
  const digest = (algorithm: string) => createHash(algorithm).update(part.content).digest('hex');
  return {
    PartID: part.partId ?? '',
    FileName: part.filename ?? '',
    ContentType: part.contentType,
    ContentID: stripAngles(part.contentId ?? ''),
    Size: part.size,
    Checksums: { MD5: digest('md5'), SHA1: digest('sha1'), SHA256: digest('sha256') },
  };
}

function headerText(mail: ParsedMail, name: string): string {
  const line = mail.headerLines.find((h) => h.key === name)?.line;
  return line ? line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

/** RFC 2369 / RFC 8058: at most one mailto: and one http(s): link are meaningful. `[^<>]` keeps the scan linear on a header of unclosed "<". */
function listUnsubscribe(mail: ParsedMail): ListUnsubscribe {
  const header = headerText(mail, 'list-unsubscribe');
  const links = [...header.matchAll(/<([^<>]+)>/g)].map((m) => (m[1] ?? '').trim());
  const errors: string[] = [];
  if (header && !links.length) errors.push('no <link> found');
  for (const link of links) {
    if (!/^(mailto:|https?:\/\/)/i.test(link)) errors.push(`"${link}" is not a mailto: or http(s): link`);
  }
  return { Header: header, Links: links, Errors: errors.join('; '), HeaderPost: headerText(mail, 'list-unsubscribe-post') };
}
