import { Router } from 'express';
import type { AuthChecks } from '../../ports/auth-checks.js';
import { apiError } from '../errors.js';
import { notFound } from '../../errors/catalogue.js';

/**
 * mailsim's own, beside Mailpit's html-check and link-check: GET /api/v1/message/{ID}/auth-check,
 * the message's DKIM, SPF and DMARC verdicts with their reasons, and the sender best practices
 * (protocol.ts MessageAuth). Checked on first request (on the auth thread), then kept.
 */
export function authCheckRouter(checks: Pick<AuthChecks, 'forMessage'>): Router {
  const router = Router();
  router.get('/api/v1/message/:id/auth-check', async (req, res) => {
    let auth;
    try {
      auth = await checks.forMessage(req.params.id);
    } catch (error) {
      // The message is there but its check failed (the thread died or timed out): try again later.
      return void res.status(503).set('Retry-After', '5').json(apiError('UNAVAILABLE', `the message could not be checked: ${(error as Error).message}`));
    }
    if (!auth) throw notFound(`message ${req.params.id}`);
    res.json(auth);
  });
  return router;
}
