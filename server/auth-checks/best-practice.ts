import type { AuthCheckItem } from '../protocol.js';

/**
 * A message counts as bulk when it says so (Precedence: bulk or list, RFC 2076 §3.9; a List-Id,
 * RFC 2919) or goes to this many recipients at once. Gmail and Yahoo ask one-click unsubscribe
 * of bulk senders (Gmail's email sender guidelines, 2024; RFC 8058).
 */
export const BULK_RECIPIENTS = 10;

const first = (headers: Record<string, string[]>, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, values] of Object.entries(headers)) if (key.toLowerCase() === wanted && values.length) return values[0];
  return undefined;
};

function bulkReason(headers: Record<string, string[]>, recipients: number): string {
  const precedence = first(headers, 'precedence')?.trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'list') return `Precedence: ${precedence}`;
  if (first(headers, 'list-id') !== undefined) return 'it has a List-Id';
  if (recipients >= BULK_RECIPIENTS) return `${recipients} recipients`;
  return '';
}

const item = (Check: string, ok: boolean, Detail: string): AuthCheckItem => ({ Check, Result: ok ? 'pass' : 'fail', Detail });
const skipped = (Check: string, Detail: string): AuthCheckItem => ({ Check, Result: 'skipped', Detail });

/** RFC 2369 §3.2: angle-bracketed URIs, comma-separated; RFC 8058 §3.1 wants an https one for one-click. */
function unsubscribeUris(value: string): string[] {
  return [...value.matchAll(/<([^>]+)>/g)].map((match) => match[1]!.trim());
}

function unsubscribeChecks(headers: Record<string, string[]>, recipients: number): AuthCheckItem[] {
  const bulk = bulkReason(headers, recipients);
  if (!bulk) {
    const why = `not bulk mail (no Precedence: bulk, no List-Id, fewer than ${BULK_RECIPIENTS} recipients)`;
    return [skipped('list-unsubscribe', why), skipped('list-unsubscribe-post', why)];
  }
  const header = first(headers, 'list-unsubscribe');
  const uris = header === undefined ? [] : unsubscribeUris(header);
  const https = uris.some((uri) => /^https:\/\//i.test(uri));
  const post = first(headers, 'list-unsubscribe-post')?.trim();
  return [
    item(
      'list-unsubscribe',
      uris.length > 0,
      uris.length ? `bulk (${bulk}): ${uris.join(', ')}` : `bulk mail (${bulk}) without a List-Unsubscribe header of <mailto:...> or <https://...> URIs (RFC 2369 §3.2)`,
    ),
    item(
      'list-unsubscribe-post',
      https && post === 'List-Unsubscribe=One-Click',
      !https
        ? 'one-click unsubscribe needs an https URI in List-Unsubscribe (RFC 8058 §3.1)'
        : post === 'List-Unsubscribe=One-Click'
          ? 'List-Unsubscribe=One-Click'
          : `List-Unsubscribe-Post must be exactly "List-Unsubscribe=One-Click" (RFC 8058 §3.1)${post === undefined ? '; it is missing' : `, not "${post}"`}`,
    ),
  ];
}

/**
 * The sender practices the seeds and the providers' sender guidelines ask for, besides
 * authentication: an origination date and a Message-ID (RFC 5322 §3.6: Date is required, a
 * Message-ID SHOULD be there; Gmail refuses mail without one, 550 5.7.1 "not RFC 5322
 * compliant"), a bounce address (the envelope sender, which the receiving server writes as
 * Return-Path, RFC 5321 §4.4), and unsubscribe headers for bulk mail.
 */
export function bestPractice(headers: Record<string, string[]>, envelope: { sender: string; recipients: number }): AuthCheckItem[] {
  const messageId = first(headers, 'message-id');
  const date = first(headers, 'date');
  const report = /multipart\/report/i.test(first(headers, 'content-type') ?? '');
  return [
    item('message-id', messageId !== undefined && /<[^<>@\s]+@[^<>\s]+>/.test(messageId), messageId === undefined ? 'no Message-ID header (RFC 5322 §3.6.4)' : messageId),
    item('date', date !== undefined && !Number.isNaN(Date.parse(date)), date === undefined ? 'no Date header (RFC 5322 §3.6.1 requires one)' : date),
    envelope.sender
      ? item('return-path', true, `bounces go to ${envelope.sender} (the envelope sender, written as Return-Path on delivery)`)
      : report
        ? skipped('return-path', 'a delivery report is sent with the null sender (RFC 5321 §4.5.5)')
        : item('return-path', false, 'sent with the null sender (MAIL FROM:<>): bounces to this message go nowhere'),
    ...unsubscribeChecks(headers, envelope.recipients),
  ];
}
