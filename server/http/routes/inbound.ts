import express, { type Request, type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { badRequest } from '../../errors/catalogue.js';
import { AUTO_REPLY_STYLES, type InboundPort } from '../../ports/inbound.js';
import type { Pop3Info } from '../../protocol.js';
import { decodeGoStruct } from '../go-json.js';
import { parseInput } from '../errors.js';

export interface InboundDeps {
  simulator: InboundPort;
  pop3: () => Pop3Info;
}

const oneLine = z.string().regex(/^[^\r\n]*$/, 'must be one line (no CR or LF)');
const address = oneLine.min(3).max(998);
const addressList = z.union([address, z.array(address).min(1).max(1000)]).transform((v) => (Array.isArray(v) ? v : [v]));
const text = z.string().max(10 * 1024 * 1024);

export const replyShape = {
  From: address.optional().describe('who replies; the original\'s first To address by default'),
  Subject: oneLine.max(998).optional().describe('"Re: <original subject>" by default'),
  Text: text.optional().describe('plain-text body; a short reply quoting the original by default'),
  HTML: text.optional().describe('HTML body'),
};
export const autoReplyShape = {
  ...replyShape,
  Style: z.enum(AUTO_REPLY_STYLES).optional().describe('rfc3834 (default, "Auto: " subject), outlook ("Automatic reply: ") or gmail (vacation responder)'),
  Force: z.boolean().optional().describe('answer even a message RFC 3834 says not to answer (null sender, Auto-Submitted)'),
};
export const inboundShape = {
  From: address.optional(),
  To: addressList.optional(),
  Cc: addressList.optional(),
  Subject: oneLine.max(998).optional(),
  Text: text.optional(),
  HTML: text.optional(),
  InReplyTo: oneLine.max(998).optional(),
  Headers: z.record(z.string().regex(/^[!-9;-~]{1,76}$/, 'a header name is printable ASCII without ":"'), oneLine.max(998)).optional(),
  Mailbox: addressList.optional().describe('the envelope recipients (the maildrops it lands in); To and Cc by default'),
  Raw: z.string().min(1).max(30 * 1024 * 1024).optional().describe('a whole RFC 5322 message instead of the fields'),
};
export const rawQuery = z.object({
  mailbox: z.union([address, z.array(address)]).optional().transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((m) => m.split(',')).map((m) => m.trim()).filter(Boolean))),
  from: oneLine.optional(),
});

/** JSON keys matched as Mailpit's are (exact, then without regard to case); an unknown one is a 400 naming it. */
function decode<S extends z.ZodRawShape>(shape: S, body: unknown): z.infer<z.ZodObject<S>> {
  const { value, unknown } = decodeGoStruct(shape, body);
  if (unknown.length) throw badRequest(`invalid body ${unknown[0]}: unknown field (known: ${Object.keys(shape).join(', ')})`);
  return value;
}

/** `Content-Type: message/rfc822` bodies arrive as bytes; mounted before the JSON body parser. */
export function rawMessageBody(): RequestHandler {
  return express.raw({ type: 'message/rfc822', limit: '30mb' });
}

/** Simulated inbound mail (issue 13 item 4) and the POP3 listener's address. */
export function inboundRouter({ simulator, pop3 }: InboundDeps): Router {
  const router = Router();

  router.post('/api/v1/message/:id/reply', async (req, res) => {
    res.status(201).json(await simulator.reply(req.params.id, decode(replyShape, req.body)));
  });

  router.post('/api/v1/message/:id/auto-reply', async (req, res) => {
    res.status(201).json(await simulator.autoReply(req.params.id, decode(autoReplyShape, req.body)));
  });

  router.post('/api/v1/inbound', async (req, res) => {
    res.status(201).json(await simulator.inbound(inboundRequest(req)));
  });

  router.get('/api/v1/pop3', (_req, res) => {
    res.json(pop3());
  });

  return router;
}

function inboundRequest(req: Request): Parameters<InboundPort['inbound']>[0] {
  if (Buffer.isBuffer(req.body)) {
    if (!req.body.length) throw badRequest('invalid body: an empty message');
    const { mailbox, from } = parseInput(rawQuery, req.query, 'query');
    return { raw: req.body, from, mailboxes: mailbox };
  }
  const body = decode(inboundShape, req.body);
  if (body.Raw !== undefined) return { raw: Buffer.from(body.Raw), mailboxes: body.Mailbox, from: body.From };
  if (!body.From) throw badRequest('invalid body From: required (or send Raw, or the message itself as message/rfc822)');
  if (!body.To && !body.Mailbox) throw badRequest('invalid body To: required: the mailbox the message is addressed to');
  const { From, To, Cc, Subject, Text, HTML, InReplyTo, Headers, Mailbox } = body;
  return { fields: { From, To: To ?? [], Cc, Subject, Text, HTML, InReplyTo, Headers }, mailboxes: Mailbox };
}
