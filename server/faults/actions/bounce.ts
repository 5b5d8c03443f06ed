import { z } from 'zod';
import { DSN_STYLE_NAMES } from '../../util/dsn-styles.js';
import { durationMs } from '../duration-ms.js';
import { durationSchema, SPAN_BOUND } from '../schema-fields.js';
import { defineAction } from './action-module.js';
import { afterAccept, globList, recipientGlobs } from './after-accept.js';

const statusSchema = z.string().regex(/^[245]\.\d{1,3}\.\d{1,3}$/, 'an RFC 3463 status code such as 5.1.1');

const finalFailureSchema = z
  .object({
    after: durationSchema({ bound: SPAN_BOUND, description: 'scenario-clock time after the delay report when the provider gives up' }),
    reply: z.string().min(1).optional().describe('the remote reply the failure report quotes (Diagnostic-Code); the style\'s usual one when absent'),
    status: statusSchema.optional().describe('the RFC 3463 status (5.x.x); from the reply\'s enhanced code when absent'),
  })
  .strict();

/** The bounce's settings, shared with a limit's `over: {bounce: …}` (server/faults/limit-over.ts). */
export const bounceFields = {
  recipients: recipientGlobs('bounce'),
  after: durationSchema({ bound: SPAN_BOUND, description: 'scenario-clock time after the 250 when the report is sent (advance the clock instead of waiting)' }).default('30s'),
  kind: z.enum(['failed', 'delayed']).default('failed').describe('failed: a failure report (5.x.x, Action: failed); delayed: a delay report (4.x.x, Action: delayed)'),
  reply: z.string().min(1).optional().describe('the remote server\'s reply the report quotes in Diagnostic-Code ("550 5.1.1 <{recipient}>: user unknown"); the style\'s usual one when absent'),
  status: statusSchema.optional().describe('the RFC 3463 status; from the reply\'s enhanced code, else 5.0.0 (failed) or 4.0.0 (delayed)'),
  style: z.enum(DSN_STYLE_NAMES).optional().describe("whose MAILER-DAEMON writes the report; the scenario's bounceStyle when absent"),
  then: finalFailureSchema.optional().describe('delayed only: a final failure report this long after the delay report'),
  dsn: z
    .boolean()
    .default(true)
    .describe('false: no DSN reaches the sender, only the delivery events (provider webhooks): SendGrid and Mailgun put their own bounce address in the envelope and tell the application by webhook'),
};

export const THEN_NEEDS_DELAYED = { message: 'then (a final failure after a delay report) needs kind: delayed', path: ['then'] };

const bounceObject = z
  .object(bounceFields)
  .strict()
  .refine((b) => b.kind === 'delayed' || b.then === undefined, THEN_NEEDS_DELAYED);
export type BounceSettings = z.output<typeof bounceObject>;

/** A planned bounce as the engine hands it to the SMTP adapter: durations in ms, templates unrendered. */
export interface BouncePlan {
  /** Globs; undefined: every recipient of the message. */
  recipients?: string[];
  afterMs: number;
  /** dropped: the drop action (drop.ts): not delivered, no DSN, `reply` is the reason. */
  kind: 'failed' | 'delayed' | 'dropped';
  reply?: string;
  status?: string;
  style?: (typeof DSN_STYLE_NAMES)[number];
  then?: { afterMs: number; reply?: string; status?: string };
  /** false: delivery events only, no DSN to the sender. */
  dsn: boolean;
}

/**
 * Accept with 250, then send an RFC 3464 delivery status notification to the envelope sender
 * later on the scenario clock: what Gmail, Microsoft 365, SES or any relaying MTA does when the
 * remote server refuses after the submission server has accepted the message (RFC 5321 §6.1: a
 * server that accepted a message must report its failure). The engine only plans; the harness's
 * bounce scheduler (server/app/bounce-scheduler.ts) builds and stores the report when it is due.
 */
export const bounce = defineAction({
  name: 'bounce',
  ...afterAccept(bounceObject, 'accept normally (250), then bounce: a DSN to the envelope sender after a delay on the scenario clock', bouncePlanOf),
  explanation: 'answers 250 as normal, then sends a bounce (an RFC 3464 DSN, failed or delayed) to the envelope sender after a delay on the scenario clock',
});

/** The plan of a bounce's settings: the action's, and a limit's `over: {bounce: …}` alike. */
export function bouncePlanOf(value: BounceSettings): BouncePlan {
  const recipients = globList(value.recipients);
  return {
    ...(recipients && { recipients }),
    afterMs: durationMs(value.after),
    kind: value.kind,
    dsn: value.dsn,
    ...(value.reply !== undefined && { reply: value.reply }),
    ...(value.status !== undefined && { status: value.status }),
    ...(value.style !== undefined && { style: value.style }),
    ...(value.then && { then: { afterMs: durationMs(value.then.after), ...(value.then.reply !== undefined && { reply: value.then.reply }), ...(value.then.status !== undefined && { status: value.then.status }) } }),
  };
}
