import { z } from 'zod';
import { bounceFields, bouncePlanOf, type BouncePlan, THEN_NEEDS_DELAYED } from './actions/bounce.js';
import { renderTemplate } from './placeholders.js';
import type { ReplySpec } from './reply-schema.js';

/**
 * What happens past a limit's max. `refuse` (the default) answers with the limit's reply in the
 * conversation. `bounce` accepts with 250 and reports the failure later, as a DSN to the envelope
 * sender: what a provider does when the limit is enforced after submission, on its queue or at the
 * remote end (Exchange Online's tenant external recipient rate limit comes back as an NDR
 * "550 5.7.233 … tenant external recipient rate limit",
 * https://learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/ndr/non-delivery-reports-in-exchange-online;
 * a remote mailbox over quota, Gmail's 552 5.2.2, arrives the same way). The DSN quotes the
 * limit's reply unless `bounce.reply` says otherwise; everything else is the bounce action's.
 */
const overBounce = z
  .object({
    ...bounceFields,
    kind: z.enum(['failed', 'delayed']).optional().describe("failed (5.x.x) or delayed (4.x.x); from the limit's reply code when absent"),
  })
  .strict()
  .refine((b) => b.kind === 'delayed' || b.then === undefined, THEN_NEEDS_DELAYED);

export const overSchema = z
  .union([z.enum(['refuse', 'bounce']), z.object({ bounce: overBounce }).strict()])
  .default('refuse')
  .describe(
    "past max: refuse (the limit's reply, live) or bounce (250, then a DSN quoting the limit's reply after a delay on the scenario clock); {bounce: {...}} takes the bounce action's settings",
  );
export type OverSpec = z.output<typeof overSchema>;

/** The phases where a bounce can be planned (the bounce action's): a refusal at MAIL or DATA has no recipients to bounce yet. */
export const OVER_BOUNCE_PHASES = ['rcpt', 'data-end'] as const;

export function bouncesOver(over: OverSpec | undefined): boolean {
  return over !== undefined && over !== 'refuse';
}

/**
 * The bounce a limit plans past its max. The limit's reply becomes the Diagnostic-Code the DSN
 * quotes; the limit's own placeholders ({seconds}) are filled in now, {recipient} and the rest
 * per recipient when the message is stored, as for the bounce action.
 */
export function overBouncePlan(over: OverSpec, reply: ReplySpec, extra: Record<string, string> = {}): BouncePlan | undefined {
  if (over === 'refuse') return undefined;
  const settings = over === 'bounce' ? overBounce.parse({}) : over.bounce;
  const quoted = renderTemplate(replyLine(reply), extra);
  const kind = settings.kind ?? (reply.code >= 500 ? 'failed' : 'delayed');
  return bouncePlanOf({ ...settings, kind, reply: settings.reply ?? quoted });
}

/** "550 5.7.233 text": the limit's reply on one line, as a Diagnostic-Code quotes it. */
function replyLine(reply: ReplySpec): string {
  const text = Array.isArray(reply.text) ? reply.text.join(' ') : reply.text;
  return [String(reply.code), reply.enhanced, text].filter((part) => part !== undefined && part !== '').join(' ');
}
