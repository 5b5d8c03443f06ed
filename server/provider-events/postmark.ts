import type { Payload, ProviderEvent, RandomSource } from './provider-event.js';

// Postmark's Delivery, Bounce and Spam Complaint webhooks. Fields and types: the Bounce webhook
// and Delivery webhook pages, https://postmarkapp.com/developer/webhooks/bounce-webhook and
// https://postmarkapp.com/developer/webhooks/delivery-webhook; the Bounce model of the official
// Node client (postmark 4.x, dist/client/models/bounces/Bounce.d.ts: RecordType, ID number,
// TypeCode number, ServerID number, BouncedAt ISO 8601, …); whole documented examples as
// Anymail's tests keep them (anymail/django-anymail tests/test_postmark_webhooks.py). Postmark
// does not sign its webhooks: a receiver protects the URL with basic auth in it
// (https://user:pass@host/…), which mailsim's delivery queue turns into an Authorization header.

export interface PostmarkOptions {
  serverId?: number;
  messageStream?: string;
}

/** Bounce types used here (name, code, Name, Description): HardBounce and SpamComplaint as documented. */
const TYPES = {
  bounced: { Type: 'HardBounce', TypeCode: 1, Name: 'Hard bounce', Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).', Inactive: true, CanActivate: true },
  // Transient (TypeCode 2) is a Postmark bounce type (client's BounceType enum); its Name and
  // Description text here are mailsim's (not verified).
  deferred: { Type: 'Transient', TypeCode: 2, Name: 'Message delayed', Description: 'The server could not temporarily deliver your message (ex: Message is delayed due to network troubles).', Inactive: false, CanActivate: true },
} as const;

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The Postmark record for an event; null for `dropped`: Postmark refuses a send to an inactive
 * address at the API (error 406) and posts no webhook for it.
 */
function postmarkRecord(event: ProviderEvent, random: RandomSource, options: PostmarkOptions): Record<string, unknown> | null {
  const common = { ServerID: options.serverId ?? 23, MessageStream: options.messageStream ?? 'outbound', MessageID: event.providerMessageId };
  const tag = event.tags?.[0] ?? '';
  // Metadata values are strings (Anymail: "Postmark metadata is always converted to string").
  const metadata = event.metadata ?? {};
  switch (event.kind) {
    case 'delivered':
      return { RecordType: 'Delivery', ...common, Recipient: event.recipient, Tag: tag, DeliveredAt: isoOf(event.at), Details: event.reply ?? 'smtp;250 2.0.0 OK', Metadata: metadata };
    case 'bounced':
    case 'deferred':
    case 'spam': {
      const type = event.kind === 'spam' ? { Type: 'SpamComplaint', TypeCode: 512, Name: 'Spam complaint', Description: '', Inactive: true, CanActivate: false } : TYPES[event.kind];
      return {
        RecordType: event.kind === 'spam' ? 'SpamComplaint' : 'Bounce',
        ID: random.bytes(4).readUInt32BE(0) >>> 1,
        ...type,
        Tag: tag,
        ...common,
        Details: event.kind === 'spam' ? (event.reply ?? '') : `smtp;${event.reply ?? '550 5.1.1 The email account that you tried to reach does not exist.'}`,
        Email: event.recipient,
        From: event.envelopeFrom,
        BouncedAt: isoOf(event.at),
        DumpAvailable: true,
        Subject: event.subject ?? '',
        Metadata: metadata,
      };
    }
    case 'dropped':
      return null;
  }
}

export function postmarkPayload(event: ProviderEvent, random: RandomSource, options: PostmarkOptions): Payload | null {
  const record = postmarkRecord(event, random, options);
  if (!record) return null;
  return { label: `postmark ${String(record.RecordType)}`, body: JSON.stringify(record), headers: { 'Content-Type': 'application/json', 'User-Agent': 'mailsim provider-events (postmark)' } };
}
