import type { StoredMessage } from '../ports/mailbox.js';
import type { Address } from '../protocol.js';
import { headerMap } from '../util/headers.js';
import type { Addr } from './compose.js';

/** What a reply needs of the message it answers. */
export interface Original {
  id: string;
  messageId: string | undefined;
  /** RFC 5322 §3.6.4: the thread so far, oldest first. */
  references: string[];
  autoSubmitted: string | undefined;
  subject: string;
  from: Addr | undefined;
  replyTo: Addr[];
  to: Addr[];
  envelopeFrom: string;
  envelopeTo: string[];
  created: string;
  snippet: string;
}

const addr = (a: Address): Addr => ({ name: a.Name, address: a.Address });
const MSG_ID = /<[^<>\s]+>/g;

export function originalOf(stored: StoredMessage): Original {
  const headers = headerMap(stored.raw);
  const { summary } = stored;
  const messageId = headers['Message-Id']?.[0]?.match(MSG_ID)?.[0];
  const references = (headers.References?.join(' ') ?? headers['In-Reply-To']?.join(' ') ?? '').match(MSG_ID) ?? [];
  return {
    id: summary.ID,
    messageId,
    references,
    autoSubmitted: headers['Auto-Submitted']?.[0]?.trim().toLowerCase(),
    subject: summary.Subject,
    from: summary.From ? addr(summary.From) : undefined,
    replyTo: summary.ReplyTo.map(addr),
    to: [...summary.To, ...summary.Cc].map(addr),
    envelopeFrom: summary.Envelope.From,
    envelopeTo: summary.Envelope.To,
    created: summary.Created,
    snippet: summary.Snippet,
  };
}

/** RFC 5322 §3.6.4: References is the parent's References (or In-Reply-To) plus its Message-ID. */
export function threadOf(original: Original): { inReplyTo?: string; references?: string[] } {
  if (!original.messageId) return {};
  return { inReplyTo: original.messageId, references: [...original.references.filter((id) => id !== original.messageId), original.messageId] };
}
