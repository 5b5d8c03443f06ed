import MimeNode from 'nodemailer/lib/mime-node';
import { deliveryStatus } from './delivery-status.js';
import { DEFAULT_FULL_LIMIT, type DsnKind, type DsnRequest, kindOf } from './dsn-request.js';
import { headerBlock, originalHeaders } from './rfc5322.js';
import type { DsnStyle, StyleContext } from './style.js';
import { DSN_STYLES } from './styles.js';

export interface BuiltDsn {
  raw: Buffer;
  /** RFC 3464 §2 / RFC 5321 §4.5.5: a DSN goes out with the null reverse-path, to the original's. */
  envelope: { from: ''; to: [string] };
  messageId: string;
  kind: DsnKind;
  /** As the report names it (Reporting-MTA: dns; …), and the original's Message-ID header ('' without one). */
  reportingMta: string;
  originalMessageId: string;
}

/**
 * Builds a delivery status notification: RFC 6522 multipart/report (report-type=delivery-status)
 * with the provider's human-readable text, the RFC 3464 message/delivery-status part, and the
 * original as message/rfc822 (RET=FULL) or text/rfc822-headers (RET=HDRS, or too large). Pure:
 * time and IDs come in the request, MIME encoding is nodemailer's MimeNode.
 *
 * Null when no DSN may or would be sent: the original had the null reverse-path (RFC 5321
 * §4.5.5: never a notification for a notification), there are no recipients, or this provider
 * does not send this kind of report.
 */
export async function buildDsn(request: DsnRequest): Promise<BuiltDsn | null> {
  const style = DSN_STYLES[request.style];
  const kind = kindOf(request.recipients);
  if (!request.original.envelopeFrom || request.recipients.length === 0 || !style.sends[kind]) return null;
  const ctx: StyleContext = { request, kind, original: originalHeaders(request.original.raw) };
  const messageId = `<${request.id}@${request.hostname}>`;
  let raw: Buffer;
  if (style.container === 'report') {
    const root = reportTree(ctx, style);
    setHeaders(root, ctx, style, messageId);
    raw = await root.build();
  } else {
    raw = plainMessage(ctx, style, messageId);
  }
  return { raw, envelope: { from: '', to: [request.original.envelopeFrom] }, messageId, kind, reportingMta: style.reportingMta(ctx), originalMessageId: ctx.original.messageId ?? '' };
}

function rootOptions(ctx: StyleContext) {
  // The boundary comes from the injected ID, so the same request builds the same bytes; CRLF
  // throughout, including inside the returned original.
  return { baseBoundary: ctx.request.id.replace(/[^A-Za-z0-9]/g, ''), boundaryPrefix: '--=_mailsim', newline: 'win', hostname: ctx.request.hostname };
}

function returnsFull(ctx: StyleContext): boolean {
  const { ret, fullLimit = DEFAULT_FULL_LIMIT, original } = ctx.request;
  return ret === 'FULL' || (ret === undefined && original.raw.length <= fullLimit);
}

function reportTree(ctx: StyleContext, style: DsnStyle): MimeNode {
  const root = new MimeNode('multipart/report; report-type=delivery-status', rootOptions(ctx));
  const [notification, report, returned] = style.descriptions?.(ctx) ?? [];
  const human = root.createChild('text/plain; charset=utf-8');
  human.setContent(style.humanText(ctx));
  const status = root.createChild('message/delivery-status');
  status.setContent(
    deliveryStatus(ctx.request, { reportingMta: style.reportingMta(ctx), perMessage: style.perMessage?.(ctx), perRecipient: style.perRecipient, statusComment: style.statusComment }),
  );
  const full = returnsFull(ctx);
  const original = root.createChild(full ? 'message/rfc822' : 'text/rfc822-headers');
  original.setContent(full ? ctx.request.original.raw : headerBlock(ctx.request.original.raw));
  for (const [node, description] of [[human, notification], [status, report], [original, returned]] as const) {
    if (description) node.setHeader('Content-Description', description);
  }
  return root;
}

/**
 * The qmail-style bounce: one text part, the original pasted below the text as it came (7bit or
 * 8bit, never quoted-printable, so it reads as the user's message and not as =3D soup).
 */
function plainMessage(ctx: StyleContext, style: DsnStyle, messageId: string): Buffer {
  const { raw } = ctx.request.original;
  const body = toCrlf(Buffer.concat([Buffer.from(style.humanText(ctx)), returnsFull(ctx) ? raw : headerBlock(raw)]));
  const root = new MimeNode('text/plain; charset=utf-8', rootOptions(ctx));
  setHeaders(root, ctx, style, messageId);
  root.setHeader('Content-Transfer-Encoding', body.every((byte) => byte < 0x80) ? '7bit' : '8bit');
  return Buffer.concat([Buffer.from(`${root.buildHeaders()}\r\n\r\n`), body]);
}

function toCrlf(text: Buffer): Buffer {
  return Buffer.from(text.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

function setHeaders(root: MimeNode, ctx: StyleContext, style: DsnStyle, messageId: string): void {
  root.setHeader('From', style.from(ctx));
  root.setHeader('To', ctx.request.original.envelopeFrom);
  // The original subject stays as it came (encoded words included): a prepared value, folded.
  root.setHeader('Subject', { prepared: true, foldLines: true, value: style.subject(ctx) });
  root.setHeader('Date', new Date(ctx.request.now));
  root.setHeader('Message-ID', messageId);
  // Odoo finds the bounced message through these when the returned part lacks its Message-Id
  // (Odoo's mail_thread.py, _message_parse_extract_bounce); Gmail and Microsoft set them too (rfc3464-51.eml, lhost-office365-04.eml).
  if (ctx.original.messageId) {
    root.setHeader('In-Reply-To', ctx.original.messageId);
    root.setHeader('References', ctx.original.messageId);
  }
  // RFC 3834 §5: automatic responses say so, and auto-responders must not answer them.
  root.setHeader('Auto-Submitted', 'auto-replied');
  for (const [name, value] of style.headers?.(ctx) ?? []) root.setHeader(name, { prepared: true, value });
}
