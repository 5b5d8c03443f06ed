import { createHash } from 'node:crypto';
import { simpleParser, type Attachment as ParsedAttachment, type ParsedMail } from 'mailparser';
import type { Attachment, ListUnsubscribe, Message } from '../protocol.js';
import { bodyText, isInline, stripAngles } from './message-parser.js';
import type { StoredMessage } from './message-store.js';
export { headerMap } from '../util/headers.js';

/** The full parse behind GET /api/v1/message/{ID}: done on request, never at ingest. */
export async function parseFull(raw: Buffer): Promise<ParsedMail> {
  return simpleParser(raw, { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
}

export async function messageView(stored: StoredMessage): Promise<Message> {
  const mail = await parseFull(stored.raw);
  const { summary } = stored;
  const returnPath = headerText(mail, 'return-path');
  return {
    ID: summary.ID,
    MessageID: summary.MessageID,
    From: summary.From,
    To: summary.To,
    Cc: summary.Cc,
    Bcc: summary.Bcc,
    ReplyTo: summary.ReplyTo,
    ReturnPath: returnPath ? stripAngles(returnPath) : summary.Envelope.From,
    Subject: summary.Subject,
    ListUnsubscribe: listUnsubscribe(mail),
    Date: new Date(stored.date ?? Date.parse(summary.Created)).toISOString(),
    Tags: summary.Tags,
    Username: summary.Username,
    Text: bodyText(mail),
    HTML: typeof mail.html === 'string' ? mail.html : '',
    Size: summary.Size,
    Inline: mail.attachments.filter(isInline).map(toAttachment),
    Attachments: mail.attachments.filter((a) => !isInline(a)).map(toAttachment),
    Envelope: summary.Envelope,
    SessionID: summary.SessionID,
    Created: summary.Created,
  };
}

export async function findPart(raw: Buffer, partId: string): Promise<ParsedAttachment | undefined> {
  const mail = await parseFull(raw);
  return mail.attachments.find((a) => a.partId === partId);
}

/**
 * The HTML body with `cid:` references pointed at our part endpoint, so inline images show
 * when the page is viewed on its own (Mailpit's /view/{ID}.html does the same).
 */
export async function renderHtml(id: string, raw: Buffer): Promise<string> {
  const mail = await parseFull(raw);
  const html = typeof mail.html === 'string' ? mail.html : '';
  const byCid = new Map(mail.attachments.filter((a) => a.contentId).map((a) => [stripAngles(a.contentId ?? ''), a.partId]));
  return html.replace(/(["'(])cid:([^"')\s]+)/gi, (whole, quote: string, cid: string) => {
    const partId = byCid.get(decodeURIComponent(cid));
    return partId ? `${quote}/api/v1/message/${encodeURIComponent(id)}/part/${encodeURIComponent(partId)}` : whole;
  });
}

export async function renderText(raw: Buffer): Promise<string> {
  return bodyText(await parseFull(raw));
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

/** RFC 2369 / RFC 8058: at most one mailto: and one http(s): link are meaningful. */
function listUnsubscribe(mail: ParsedMail): ListUnsubscribe {
  const header = headerText(mail, 'list-unsubscribe');
  const links = [...header.matchAll(/<([^>]+)>/g)].map((m) => (m[1] ?? '').trim());
  const errors: string[] = [];
  if (header && !links.length) errors.push('no <link> found');
  for (const link of links) {
    if (!/^(mailto:|https?:\/\/)/i.test(link)) errors.push(`"${link}" is not a mailto: or http(s): link`);
  }
  return { Header: header, Links: links, Errors: errors.join('; '), HeaderPost: headerText(mail, 'list-unsubscribe-post') };
}
