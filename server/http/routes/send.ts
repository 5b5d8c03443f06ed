import { Router } from 'express';
import { z } from 'zod';
import { badRequest } from '../../errors/catalogue.js';
import { decodeGoNested } from '../go-nested.js';
import { jsonBody } from '../go-json.js';

/** Mailpit's address check is Go's mail.ParseAddress; a bare addr-spec is what every client sends. */
const email = z
  .string()
  .trim()
  .regex(/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/, 'not an email address')
  .describe('Email address');
const mailbox = z.object({ Name: z.string().default('').describe('Optional name'), Email: email });

/** Mailpit's SendRequest (server/apiv1/swaggerParams.go), keys matched as Go does. */
export const sendRequestSchema = z.object({
  From: mailbox.describe('"From" sender'),
  To: z.array(mailbox).default([]).describe('"To" recipients'),
  Cc: z.array(mailbox).default([]).describe('Cc recipients'),
  Bcc: z.array(email).default([]).describe('Bcc recipients, email addresses only'),
  ReplyTo: z.array(mailbox).default([]).describe('Optional Reply-To recipients'),
  Subject: z.string().default(''),
  Text: z.string().default('').describe('Message body (text)'),
  HTML: z.string().default('').describe('Message body (HTML)'),
  Attachments: z
    .array(
      z.object({
        Content: z.string().describe('Base64-encoded file content (a data: URL prefix is ignored, as Mailpit does)'),
        Filename: z.string().min(1),
        ContentType: z.string().default('').describe('Optional; detected from the content when empty'),
        ContentID: z.string().default('').describe('Optional Content-ID: the attachment goes inline, for cid: references'),
      }),
    )
    .default([]),
  Headers: z.record(z.string(), z.string()).default({}).describe('Optional headers (To, From, Cc, Bcc, Reply-To, Date, Subject, Content-Type, Mime-Version and X-Tags are refused)'),
  Tags: z.array(z.string()).default([]).describe('Optional tags, sent as X-Tags'),
});
export type SendRequest = z.infer<typeof sendRequestSchema>;

export const sendResponseSchema = z.object({ ID: z.string().describe('Database ID of the stored message ("" when a scenario blackholed it)') });

/** Turns a request into a message submitted over SMTP to mailsim's own listener (app/api-submit.ts). */
export interface SendPort {
  /** Rejects with a CodedError (400 with the SMTP reply when the scenario refused the message). */
  send(request: SendRequest): Promise<{ id: string }>;
}

/** Mailpit's restricted headers (send.go): the ones the request's own fields set. */
const RESTRICTED = ['to', 'from', 'cc', 'bcc', 'reply-to', 'date', 'subject', 'content-type', 'mime-version'];

export function checkHeaders(request: SendRequest): void {
  const restricted = request.Tags.length > 0 ? [...RESTRICTED, 'x-tags'] : RESTRICTED;
  for (const name of Object.keys(request.Headers)) {
    if (restricted.includes(name.toLowerCase())) throw badRequest(`cannot overwrite header: "${name}"`);
    if (!/^[!-9;-~]+$/.test(name)) throw badRequest(`invalid header name: ${JSON.stringify(name)}`);
  }
}

/** POST /api/v1/send, with a body limit that fits a message of --max-message-size in base64. */
export function sendRouter(port: SendPort | undefined, maxMessageSize: number): Router {
  const router = Router();
  const limit = Math.ceil((maxMessageSize * 4) / 3) + 64 * 1024;
  router.post('/api/v1/send', jsonBody(limit), async (req, res) => {
    const request = decodeGoNested(sendRequestSchema, req.body);
    checkHeaders(request);
    if (!port) throw badRequest('sending needs an SMTP listener');
    const { id } = await port.send(request);
    res.json({ ID: id });
  });
  return router;
}
