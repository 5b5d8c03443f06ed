import { z } from 'zod';
import type { BouncePlan } from './bounce.js';
import { defineAction } from './action-module.js';
import { afterAccept, globList, recipientGlobs } from './after-accept.js';

/** SendGrid's drop reasons (Event Webhook reference, "dropped"): what a provider says it did not send, and why. */
export const DROP_REASONS = ['Bounced Address', 'Unsubscribed Address', 'Spam Reporting Address', 'Invalid', 'Recipient List over Package Quota'] as const;

const dropObject = z
  .object({
    recipients: recipientGlobs('are dropped'),
    reason: z
      .string()
      .min(1)
      .default('Bounced Address')
      .describe(`why the provider did not send it, in the event's reason (SendGrid's: ${DROP_REASONS.join(', ')}; any text goes)`),
  })
  .strict();

/**
 * Accept with 250, then never deliver: SendGrid's `dropped` event, "You may see the following
 * drop reasons: Invalid SMTPAPI header, Spam Content, Unsubscribed Address, Bounced Address,
 * Spam Reporting Address, Invalid, Recipient List over Package Quota"
 * (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event#delivery-events);
 * SES's suppression list ("OnAccountSuppressionList"), Mailgun's "suppress-bounce". mailsim keeps
 * the captured message (a test harness loses nothing) and tags it `dropped`; no DSN is sent,
 * the application only hears of it through the `dropped` delivery event and provider webhooks.
 */
export const drop = defineAction({
  name: 'drop',
  ...afterAccept(dropObject, 'accept normally (250), then do not deliver: the message is kept and tagged dropped, a dropped delivery event (provider webhooks) says why, no DSN', dropPlan),
  explanation: 'answers 250 as normal, then does not deliver: a dropped event (SendGrid, SES suppression list, Mailgun) with a reason, no DSN; the captured message is tagged dropped',
});

/** A drop travels as a bounce plan of kind `dropped`: due at acceptance, no DSN, the reason as its reply. */
function dropPlan(value: z.output<typeof dropObject>): BouncePlan {
  const recipients = globList(value.recipients);
  return { ...(recipients && { recipients }), afterMs: 0, kind: 'dropped', reply: value.reason, dsn: false };
}
