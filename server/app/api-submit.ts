import nodemailer from 'nodemailer';
import MailComposer, { type MailComposerAttachment, type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import { badRequest, CodedError } from '../errors/catalogue.js';
import type { EventBus } from '../events/bus.js';
import type { SendPort, SendRequest } from '../http/routes/send.js';
import type { Endpoint } from '../ports/contracts.js';
import type { ListenerMode } from '../util/listener-modes.js';
import { newId } from '../util/ids.js';

/** The SMTP listener the send API submits to, and how to log in when --smtp-auth-file asks for AUTH. */
export interface SubmitTarget {
  address(): Endpoint | undefined;
  mode: ListenerMode;
  hostname: string;
  /** An account only this process knows (added to the SMTP credentials when there are any). */
  login?: { user: string; pass: string };
}

/** A stalled or tarpitting scenario must not hold the HTTP request for ever. */
const TIMEOUT_MS = 30_000;

/**
 * POST /api/v1/send as Mailpit has it, but through the SMTP pipeline: the request becomes a MIME
 * message (nodemailer's composer) submitted over loopback to mailsim's own first listener, so the
 * scenario, its faults and the session transcript apply to it as to any client's mail. Mailpit
 * answers 400 with the error when its store refuses; here a refusal is the SMTP reply.
 */
export class ApiSubmitter implements SendPort {
  constructor(
    private readonly target: SubmitTarget,
    private readonly bus: EventBus,
  ) {}

  async send(request: SendRequest): Promise<{ id: string }> {
    const endpoint = this.target.address();
    if (!endpoint) throw new CodedError('UNAVAILABLE', 'the SMTP listener is not accepting connections yet');
    const messageId = headerValue(request.Headers, 'message-id') ?? `<${newId()}@${this.target.hostname}>`;
    const wanted = messageId.replace(/[<>\s]/g, '');
    const { envelope, options } = compose(request, messageId);
    let stored = '';
    const off = this.bus.on('message.received', (summary) => {
      if (!stored && summary.MessageID === wanted) stored = summary.ID;
    });
    const transport = nodemailer.createTransport({
      host: connectHost(endpoint.address),
      port: endpoint.port,
      secure: this.target.mode === 'tls',
      name: 'mailsim-send-api',
      // Loopback to our own listener, whose certificate a scenario's TLS fault may break on purpose.
      tls: { rejectUnauthorized: false },
      ...(this.target.login && { auth: this.target.login }),
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
    });
    try {
      const root = new MailComposer(options).compile();
      // Mailpit builds the message itself and stores it with its Bcc header, so its UI shows Bcc.
      root.keepBcc = true;
      await transport.sendMail({ envelope, raw: await root.build() });
    } catch (error) {
      throw badRequest(smtpError(error));
    } finally {
      off();
      transport.close();
    }
    // The store publishes before the 250 leaves, so a stored message has been seen by now; a
    // blackholed one got its 250 without being stored, and has no ID.
    return { id: stored };
  }
}

function compose(request: SendRequest, messageId: string): { envelope: { from: string; to: string[] }; options: MailComposerOptions } {
  const headers: Record<string, string> = Object.fromEntries(Object.entries(request.Headers).filter(([name]) => name.toLowerCase() !== 'message-id'));
  if (request.Tags.length > 0) headers['X-Tags'] = request.Tags.join(', ');
  const named = ({ Name, Email }: { Name: string; Email: string }) => ({ name: Name, address: Email });
  const recipients = [...request.To.map((a) => a.Email), ...request.Cc.map((a) => a.Email), ...request.Bcc];
  if (recipients.length === 0) throw badRequest('no recipients: To, Cc and Bcc are all empty');
  const options: MailComposerOptions = {
    messageId,
    from: named(request.From),
    to: request.To.map(named),
    cc: request.Cc.map(named),
    bcc: request.Bcc,
    replyTo: request.ReplyTo.map(named),
    subject: request.Subject,
    // Content only, never `path` or `href`: a request must not make mailsim read a file or a URL.
    text: request.Text,
    ...(request.HTML && { html: request.HTML }),
    headers,
    attachments: request.Attachments.map(attachment),
  };
  return { envelope: { from: request.From.Email, to: recipients }, options };
}

function attachment(a: SendRequest['Attachments'][number]): MailComposerAttachment {
  // A browser's readAsDataURL() prefixes "data:image/png;base64,", which Mailpit drops.
  const base64 = a.Content.slice(a.Content.lastIndexOf(',') + 1).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 === 1) throw badRequest(`error decoding base64 attachment "${a.Filename}"`);
  return {
    filename: a.Filename,
    content: Buffer.from(base64, 'base64'),
    ...(a.ContentType && { contentType: a.ContentType }),
    ...(a.ContentID && { cid: a.ContentID.replace(/^<|>$/g, '') }),
  };
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

/** A wildcard listen address is reached over loopback. */
function connectHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '::1';
  return address;
}

/** The server's reply when there was one ("550 5.7.1 ..."), else what went wrong. */
function smtpError(error: unknown): string {
  const { response, message } = error as { response?: string; message?: string };
  return response ? `SMTP error: ${response}` : `SMTP error: ${message ?? String(error)}`;
}
