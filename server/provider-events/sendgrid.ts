import { createPublicKey, type KeyObject, sign } from 'node:crypto';
import { type Payload, type ProviderEvent, type RandomSource, seconds, statusOf } from './provider-event.js';

// SendGrid's Event Webhook. Field names, types and examples: the Event Webhook Reference,
// https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event (and its earlier
// copy in sendgrid/docs, content/docs/for-developers/tracking-events/event.md). Signing:
// https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
// (ECDSA; the signature header is base64 DER over SHA-256 of timestamp + raw body; the
// timestamp goes in its own header). The body is always a JSON array: SendGrid batches events.

export interface SendGridOptions {
  /** The signing key (EC P-256); without one the webhook is unsigned, as SendGrid's is by default. */
  privateKey?: KeyObject;
}

/** SendGrid's names: "spamreport" for a complaint, "bounce" for a permanent failure. */
const EVENT_NAMES = { delivered: 'delivered', deferred: 'deferred', bounced: 'bounce', dropped: 'dropped', spam: 'spamreport' } as const;

function sendgridEvent(event: ProviderEvent, random: RandomSource): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    email: event.recipient,
    timestamp: seconds(event.at),
    'smtp-id': event.headerMessageId ?? `<${event.providerMessageId}@mailsim>`,
    event: EVENT_NAMES[event.kind],
  };
  // One category is a string, several an array: both forms appear in the reference's examples.
  if (event.tags?.length) fields.category = event.tags.length === 1 ? event.tags[0] : event.tags;
  // sg_event_id is unique per event; sg_message_id is the X-Message-Id SendGrid returned at send
  // time plus a filter suffix (the reference's "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0").
  fields.sg_event_id = random.bytes(16).toString('base64url');
  fields.sg_message_id = `${event.providerMessageId}.filter0001.16648.5515E0B88.0`;
  switch (event.kind) {
    case 'delivered':
      fields.response = event.reply ?? '250 OK';
      break;
    case 'deferred':
      fields.response = event.reply ?? '400 try again later';
      // A string in every example of the reference ("attempt":"5").
      fields.attempt = String(event.attempt ?? 1);
      break;
    case 'bounced':
      fields.reason = event.reply ?? '550 5.1.1 The email account that you tried to reach does not exist.';
      fields.status = statusOf(event);
      fields.type = 'bounce';
      break;
    case 'dropped':
      // One of the drop reasons the reference lists.
      fields.reason = event.reply ?? 'Bounced Address';
      fields.status = '5.0.0';
      break;
    case 'spam':
      break;
  }
  // Custom arguments are added to the event at the top level (reference: "Custom Arguments").
  for (const [key, value] of Object.entries(event.metadata ?? {})) if (!(key in fields)) fields[key] = value;
  return fields;
}

/** One POST: the JSON array, signed when a key is configured. */
export function sendgridPayload(events: readonly ProviderEvent[], random: RandomSource, options: SendGridOptions, now: number): Payload {
  const body = JSON.stringify(events.map((event) => sendgridEvent(event, random)));
  // SendGrid's own User-Agent is not documented; mailsim names itself.
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'mailsim provider-events (sendgrid)' };
  if (options.privateKey) {
    const timestamp = String(seconds(now));
    headers['X-Twilio-Email-Event-Webhook-Timestamp'] = timestamp;
    headers['X-Twilio-Email-Event-Webhook-Signature'] = sign('sha256', Buffer.from(timestamp + body), options.privateKey).toString('base64');
  }
  return { label: `sendgrid ${events.map((e) => EVENT_NAMES[e.kind]).join(',')}`, body, headers };
}

/** The verification key as SendGrid shows it: base64 DER SubjectPublicKeyInfo, no PEM armour. */
export function sendgridVerificationKey(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
}
