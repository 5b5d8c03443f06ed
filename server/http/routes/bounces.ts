import { Router } from 'express';
import { z } from 'zod';
import { badRequest, notFound } from '../../errors/catalogue.js';
import type { BounceDetails } from '../../protocol.js';
import { DSN_STYLE_NAMES } from '../../util/dsn-styles.js';
import { parseInput } from '../errors.js';

export const simulateBounceSchema = z
  .object({
    Recipients: z.array(z.string().min(1)).min(1).optional().describe("the recipients that bounce; all of the original's envelope recipients when absent"),
    Status: z.string().regex(/^[245]\.\d{1,3}\.\d{1,3}$/, 'an RFC 3463 status code such as 5.1.1').optional(),
    Reply: z.string().min(1).optional().describe('the remote reply the DSN quotes ("550 5.1.1 <x>: user unknown")'),
    Kind: z.enum(['failed', 'delayed']).default('failed'),
    Style: z.enum(DSN_STYLE_NAMES).optional().describe("whose MAILER-DAEMON writes it; the original's scenario's bounceStyle, else postfix"),
  })
  .strict();
export type SimulateBounce = z.infer<typeof simulateBounceSchema>;

/** RFC 5965 §7.3 feedback types (the ARF Feedback-Type an ISP's report carries; SES passes it on as complaintFeedbackType). */
export const FEEDBACK_TYPES = ['abuse', 'auth-failure', 'fraud', 'not-spam', 'other', 'virus'] as const;

export const simulateComplaintSchema = z
  .object({
    Recipients: z.array(z.string().min(1)).min(1).optional().describe("the recipients who marked it as spam; all of the message's envelope recipients when absent"),
    FeedbackType: z.enum(FEEDBACK_TYPES).default('abuse').describe('the feedback report\'s Feedback-Type (RFC 5965)'),
  })
  .strict();
export type SimulateComplaint = z.infer<typeof simulateComplaintSchema>;
export type ComplaintResult = { Recipients: string[]; FeedbackType: string } | 'not-found';

export type SimulateResult = { ID: string; Bounce: BounceDetails } | 'not-found' | { refused: string };

/** What the bounce routes need; server/app/bounce-control.ts implements it. */
export interface BounceControl {
  simulate(id: string, request: SimulateBounce): Promise<SimulateResult>;
  /** A recipient marked the message as spam: a spam delivery event per recipient (provider webhooks map it). */
  complaint(id: string, request: SimulateComplaint): ComplaintResult;
  /** Every provider event webhook post so far, oldest first. */
  providerEvents(): unknown[];
  /** What a receiver verifies the posts with; null without --provider-events. */
  providerKeys(): unknown;
  /** The PEM certificate SNS-format posts name as SigningCertURL. */
  snsCertificate(): string | null;
  /** Every --bounce-relay attempt, oldest first. */
  relayHistory(): unknown[];
}

/**
 * POST /api/v1/message/{ID}/bounce: a bounce for any stored message, now, as if the provider had
 * reported a failure (or a delay) for it; POST /api/v1/message/{ID}/complaint: as if a recipient
 * had marked it as spam (a feedback loop report reaching the provider); GET /api/v1/provider-events: the provider webhook posts.
 */
export function bouncesRouter(control: BounceControl): Router {
  const router = Router();
  router.post('/api/v1/message/:id/bounce', async (req, res) => {
    const request = parseInput(simulateBounceSchema, req.body, 'body');
    const result = await control.simulate(req.params.id, request);
    if (result === 'not-found') throw notFound(`message ${req.params.id}`);
    if ('refused' in result) throw badRequest(result.refused);
    res.status(201).json({ ID: result.ID, IsBounce: true, Bounce: result.Bounce });
  });
  router.post('/api/v1/message/:id/complaint', (req, res) => {
    const request = parseInput(simulateComplaintSchema, req.body ?? {}, 'body');
    const result = control.complaint(req.params.id, request);
    if (result === 'not-found') throw notFound(`message ${req.params.id}`);
    res.json(result);
  });
  router.get('/api/v1/provider-events', (_req, res) => {
    res.json(control.providerEvents());
  });
  router.get('/api/v1/provider-events/keys', (_req, res) => {
    const keys = control.providerKeys();
    if (!keys) throw notFound('provider event keys (no --provider-events given)');
    res.json(keys);
  });
  router.get('/api/v1/provider-events/sns-certificate.pem', (_req, res) => {
    const pem = control.snsCertificate();
    if (!pem) throw notFound('the SNS signing certificate (no --provider-events given)');
    res.type('application/x-pem-file').send(pem);
  });
  router.get('/api/v1/bounce-relay', (_req, res) => {
    res.json(control.relayHistory());
  });
  return router;
}
