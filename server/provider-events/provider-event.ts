/** What happened to one recipient of one message, in mailsim's terms; each provider module maps it. */
export type ProviderEventKind = 'delivered' | 'deferred' | 'bounced' | 'dropped' | 'spam';

export interface ProviderEvent {
  kind: ProviderEventKind;
  /** The provider's own message ID: what its SMTP 250 reply or API answer gave the application. */
  providerMessageId: string;
  /** The Message-ID header, with its angle brackets. */
  headerMessageId?: string;
  recipient: string;
  /** MAIL FROM of the original. */
  envelopeFrom: string;
  /** Header values as they were (From, To, Subject, Date). */
  from?: string;
  to?: string[];
  subject?: string;
  date?: string;
  size?: number;
  /** When the provider accepted the message, ms. */
  acceptedAt: number;
  /** When the event happened, ms (the scenario clock). */
  at: number;
  /** The remote reply: "250 2.0.0 OK", "550 5.1.1 <x>: user unknown", "451 4.7.1 try later". */
  reply?: string;
  /** RFC 3463 code of the reply, e.g. "5.1.1". */
  status?: string;
  /** The receiving MX's name. */
  remoteMta?: string;
  /** Delivery attempts so far (deferred). */
  attempt?: number;
  /** The application's categories / tags, and its custom variables. */
  tags?: string[];
  metadata?: Record<string, string>;
  /** The client address that submitted the message. */
  sourceIp?: string;
  /** spam: the complaint's RFC 5965 Feedback-Type. */
  feedbackType?: string;
}

/** A webhook request ready to POST. */
export interface Payload {
  label: string;
  body: string;
  headers: Record<string, string>;
}

/** Randomness comes in from outside, so payloads are reproducible in tests. */
export interface RandomSource {
  bytes(n: number): Buffer;
}

/** RFC 4122 §4.4 version 4 UUID from 16 random bytes. */
export function uuid(random: RandomSource): string {
  const b = random.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** "5.1.1" from a reply like "550 5.1.1 …", else the class default (RFC 3463 §3.1 X.0.0). */
export function statusOf(event: ProviderEvent): string {
  if (event.status) return event.status;
  const match = /^([245])\d\d[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(event.reply ?? '');
  if (match) return match[2]!;
  const first = event.reply?.[0];
  return first === '2' || first === '4' || first === '5' ? `${first}.0.0` : event.kind === 'delivered' ? '2.0.0' : event.kind === 'deferred' ? '4.0.0' : '5.0.0';
}

/** The reply code, e.g. 550; null when there is no reply. */
export function codeOf(reply: string | undefined): number | null {
  const match = /^([2-5]\d\d)/.exec(reply ?? '');
  return match ? Number(match[1]) : null;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

export const seconds = (ms: number) => Math.floor(ms / 1000);
