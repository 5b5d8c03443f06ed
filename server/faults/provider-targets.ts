import { z } from 'zod';

/** The providers whose event webhooks mailsim posts (server/provider-events/). */
export const EVENT_PROVIDERS = ['sendgrid', 'ses', 'mailgun', 'postmark'] as const;

/**
 * A scenario's own provider event webhook (issue 13 item 5, "per scenario"): while the scenario
 * is active on the listener that accepted a message, that message's delivery events are also
 * posted to `url` in the provider's format, besides any --provider-events target.
 */
export const providerTargetSchema = z
  .object({
    provider: z.enum(EVENT_PROVIDERS).describe("whose event format and signing: SendGrid's Event Webhook, SES notifications through SNS, Mailgun's webhooks, Postmark's"),
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).describe('the application\'s webhook endpoint; Postmark takes basic auth in it (https://user:pass@host/...)'),
    signingKey: z.string().min(1).optional().describe("mailgun only: this webhook's HTTP signing key; --mailgun-signing-key (or the generated one) when absent"),
    signatureVersion: z.enum(['1', '2']).optional().describe('ses only: SNS SignatureVersion, 1 (SHA1withRSA, a topic\'s default) or 2 (SHA256withRSA)'),
  })
  .strict()
  .refine((t) => t.signingKey === undefined || t.provider === 'mailgun', { message: 'signingKey is a Mailgun setting', path: ['signingKey'] })
  .refine((t) => t.signatureVersion === undefined || t.provider === 'ses', { message: 'signatureVersion is an SES (SNS) setting', path: ['signatureVersion'] });
export type ProviderTargetSpec = z.infer<typeof providerTargetSchema>;
