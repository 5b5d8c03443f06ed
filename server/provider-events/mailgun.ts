import { createHmac } from 'node:crypto';
import { codeOf, domainOf, type Payload, type ProviderEvent, type RandomSource } from './provider-event.js';

// Mailgun's webhooks (v3, "current webhooks"). Payload: "Webhook Payloads",
// https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads, and the
// complete sanitized events Anymail's tests keep (anymail/django-anymail tests/test_mailgun_webhooks.py:
// delivered, failed permanent/temporary with delivery-status). Event names and severity:
// https://documentation.mailgun.com/docs/mailgun/user-manual/events/event-types ("failed" with
// severity permanent or temporary; "complained"). Signing: "Securing Webhooks",
// https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks —
// HMAC-SHA256 with the webhook signing key over timestamp + token, hex; token 50 characters.

export interface MailgunOptions {
  signingKey: string;
  /** The sending domain Mailgun knows the message by. */
  domain?: string;
  /** Where the stored message can be fetched (Mailgun's `storage`); mailsim's own API in practice. */
  storageUrl?: (providerMessageId: string) => string;
}

type Shape = { event: string; logLevel: string; severity?: string; reason?: string; status?: Record<string, unknown> };

function shape(event: ProviderEvent): Shape {
  const code = codeOf(event.reply);
  const message = event.reply?.replace(/^\d{3}[ -]/, '') ?? '';
  switch (event.kind) {
    case 'delivered':
      return { event: 'delivered', logLevel: 'info', status: { tls: true, 'mx-host': event.remoteMta ?? 'mx.example.net', 'attempt-no': 1, description: '', 'session-seconds': 0.5, utf8: true, code: code ?? 250, message: message || 'OK', 'certificate-verified': true } };
    case 'deferred':
      return { event: 'failed', logLevel: 'warn', severity: 'temporary', reason: 'generic', status: { 'attempt-no': event.attempt ?? 1, description: message, 'session-seconds': 0.0, 'retry-seconds': 1800, code: code ?? 451, message } };
    case 'bounced':
      return { event: 'failed', logLevel: 'error', severity: 'permanent', reason: 'bounce', status: { tls: true, 'mx-host': event.remoteMta ?? 'mx.example.net', 'attempt-no': 1, description: '', 'session-seconds': 0.5, utf8: true, code: code ?? 550, message, 'certificate-verified': true } };
    case 'dropped':
      return { event: 'failed', logLevel: 'error', severity: 'permanent', ...suppression(event.reply) };
    case 'spam':
      return { event: 'complained', logLevel: 'warn' };
  }
}

/**
 * A send Mailgun did not attempt, by the drop's reason: the suppress-bounce / -unsubscribe /
 * -complaint reasons of a permanent failure (event types page). Code 605 and the bounce
 * description are the sanitized samples'; the other two descriptions are mailsim's (not verified).
 */
function suppression(reason: string | undefined): Pick<Shape, 'reason' | 'status'> {
  const [name, description] = /unsubscri/i.test(reason ?? '')
    ? ['suppress-unsubscribe', 'Not delivering to unsubscribed address']
    : /spam|complain/i.test(reason ?? '')
      ? ['suppress-complaint', 'Not delivering to a user who marked your messages as spam']
      : ['suppress-bounce', 'Not delivering to previously bounced address'];
  return { reason: name, status: { 'attempt-no': 1, message: '', code: 605, description, 'session-seconds': 0 } };
}

function mailgunEventData(event: ProviderEvent, random: RandomSource, options: MailgunOptions): Record<string, unknown> {
  const s = shape(event);
  const headers: Record<string, string> = { to: event.to?.join(', ') ?? event.recipient };
  // Without the angle brackets, as in the payload examples.
  if (event.headerMessageId) headers['message-id'] = event.headerMessageId.replace(/^<|>$/g, '');
  if (event.from) headers.from = event.from;
  if (event.subject !== undefined) headers.subject = event.subject;
  const data: Record<string, unknown> = {
    event: s.event,
    id: random.bytes(16).toString('base64url'),
    timestamp: event.at / 1000,
    'log-level': s.logLevel,
    recipient: event.recipient,
    'recipient-domain': domainOf(event.recipient),
    envelope: { sender: event.envelopeFrom, transport: 'smtp', targets: event.recipient },
    message: { headers, attachments: [], size: event.size ?? 0 },
    flags: { 'is-routed': false, 'is-authenticated': true, 'is-system-test': false, 'is-test-mode': false },
    tags: event.tags ?? [],
    campaigns: [],
    'user-variables': event.metadata ?? {},
  };
  if (options.domain) data.domain = { name: options.domain };
  if (options.storageUrl) data.storage = { url: options.storageUrl(event.providerMessageId), key: event.providerMessageId };
  if (s.severity) data.severity = s.severity;
  if (s.reason) data.reason = s.reason;
  if (s.status) data['delivery-status'] = s.status;
  return data;
}

/** HMAC-SHA256(signing key, timestamp + token), hex: the documented check. */
function mailgunSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey).update(timestamp + token).digest('hex');
}

export function mailgunPayload(event: ProviderEvent, random: RandomSource, options: MailgunOptions, now: number): Payload {
  // A string in every documented example, though the parameter table calls it an int.
  const timestamp = String(Math.floor(now / 1000));
  const token = random.bytes(25).toString('hex');
  const body = JSON.stringify({
    signature: { token, timestamp, signature: mailgunSignature(options.signingKey, timestamp, token) },
    'event-data': mailgunEventData(event, random, options),
  });
  return { label: `mailgun ${shape(event).event}`, body, headers: { 'Content-Type': 'application/json', 'User-Agent': 'mailsim provider-events (mailgun)' } };
}
