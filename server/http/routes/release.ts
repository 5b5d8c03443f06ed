import { Router } from 'express';
import { z } from 'zod';
import { badRequest, notFound } from '../../errors/catalogue.js';
import type { MailboxPort } from '../../ports/mailbox.js';
import { headerMap } from '../../util/headers.js';
import { decodeGoNested } from '../go-nested.js';
import { hasBody } from '../go-json.js';

export const releaseRequestSchema = z.object({ To: z.array(z.string()).default([]).describe('Recipients to release the message to') });

/** The relay behind POST /api/v1/message/{ID}/release (server/relay/, wired by the harness). */
export interface ReleasePort {
  /** Rejects with a 400 CodedError: a recipient refused by the allowlist, or the relay's SMTP reply. */
  release(raw: Buffer, to: string[], senderHeaders: { from?: string; sender?: string }): Promise<void>;
}

/** Mailpit's release: answers "ok" as text/plain, 400 with the reason otherwise, 404 for an unknown ID. */
export function releaseRouter(mailbox: MailboxPort, relay: ReleasePort | undefined): Router {
  const router = Router();
  router.post('/api/v1/message/:id/release', async (req, res) => {
    const stored = mailbox.get(req.params.id);
    if (!stored) throw notFound(`message ${req.params.id}`);
    if (!relay) throw badRequest('no SMTP relay is configured: start mailsim with --smtp-relay-host (and --smtp-relay-port)');
    // Go's decoder answers EOF to an empty body.
    if (!hasBody(req)) throw badRequest('EOF');
    const { To } = decodeGoNested(releaseRequestSchema, req.body);
    const headers = headerMap(stored.raw);
    await relay.release(stored.raw, To, { from: headers.From?.[0], sender: headers.Sender?.[0] });
    res.type('text/plain').send('ok');
  });
  return router;
}
