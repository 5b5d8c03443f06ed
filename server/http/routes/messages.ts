import { Router } from 'express';
import { z } from 'zod';
import type { MailboxPort, MessageSelection } from '../../ports/mailbox.js';
import type { MessagesSummary } from '../../protocol.js';
import { badRequest } from '../../errors/catalogue.js';
import { decodeGoStruct, hasBody } from '../go-json.js';
import { type Paging, paging, searchParams } from '../paging.js';

export const idsShape = { IDs: z.array(z.string()).optional() };
export const readShape = { Read: z.boolean().optional(), IDs: z.array(z.string()).optional(), Search: z.string().optional() };

/**
 * An unknown key in a request that would otherwise act on every message is refused: Go would
 * skip it and act on all (`{"messageIds": [...]}` would empty the mailbox), which loses mail for
 * a typo. A request that names its messages may carry extra keys, as in Go.
 */
function refuseWidening(unknown: string[], selection: MessageSelection): void {
  if (unknown.length && selection === 'all') {
    throw badRequest(`invalid body: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (expected IDs)`);
  }
}

/** Mailpit's message collection endpoints, same paths, parameters and response shapes. */
export function messagesRouter(mailbox: MailboxPort): Router {
  const router = Router();

  router.get('/api/v1/messages', (req, res) => {
    res.json(messagesSummary(mailbox, paging(req.query)));
  });

  router.get('/api/v1/search', (req, res) => {
    res.json(messagesSummary(mailbox, { ...paging(req.query), ...searchParams(req.query) }));
  });

  router.delete('/api/v1/search', async (req, res) => {
    await mailbox.delete(searchParams(req.query));
    res.type('text/plain').send('ok');
  });

  // Mailpit: no body, `{}` or an empty IDs list deletes everything (cypress-mailpit's
  // mailpitDeleteAllEmails sends no body); IDs it does not know are skipped.
  router.delete('/api/v1/messages', async (req, res) => {
    const { value, unknown } = decodeGoStruct(idsShape, hasBody(req) ? req.body : undefined);
    const selection: MessageSelection = value.IDs?.length ? { ids: value.IDs } : 'all';
    refuseWidening(unknown, selection);
    await mailbox.delete(selection);
    res.type('text/plain').send('ok');
  });

  // Mailpit: a body is required (Go's decoder answers EOF, a 400); without IDs or Search the
  // read flag of every message is set, `{}` meaning "all unread" as in Go.
  router.put('/api/v1/messages', async (req, res) => {
    if (!hasBody(req)) throw badRequest('invalid body: expected {"Read": true|false, "IDs": [...]} or {"Read": ..., "Search": "..."}');
    const { value, unknown } = decodeGoStruct(readShape, req.body);
    const { Read = false, IDs, Search } = value;
    if (IDs?.length && Search) throw badRequest('give either IDs or Search, not both');
    const timeZone = typeof req.query.tz === 'string' ? req.query.tz : undefined;
    const selection: MessageSelection = IDs?.length ? { ids: IDs } : Search ? { query: Search, timeZone } : 'all';
    refuseWidening(unknown, selection);
    await mailbox.setRead(Read, selection);
    res.type('text/plain').send('ok');
  });

  return router;
}

/**
 * Mailpit's list JSON (GET /api/v1/messages and /search; the server-side wait answers with it
 * too): `total`/`unread` are the whole mailbox, `messages_count`/`messages_unread` the query's.
 */
export function messagesSummary(mailbox: MailboxPort, page: Paging & { query?: string; timeZone?: string }): MessagesSummary {
  return mailbox.snapshot(() => summaryOf(mailbox, page));
}

function summaryOf(mailbox: MailboxPort, page: Paging & { query?: string; timeZone?: string }): MessagesSummary {
  const result = mailbox.search(page);
  const all = page.query || page.before !== undefined ? mailbox.counts() : result;
  return {
    total: all.total,
    unread: all.unread,
    count: result.messages.length,
    messages_count: result.total,
    messages_unread: result.unread,
    start: page.start,
    tags: mailbox.tags(),
    messages: result.messages,
  };
}
