import type { SMTPServerAddress, SMTPServerEnvelope } from 'smtp-server';
import type { BouncePlan } from '../faults/actions/bounce.js';
import { bounceTargets } from '../faults/bounce-targets.js';
import type { AcceptedMessage, AcceptedRecipient, PlannedBounce } from '../ports/delivery-reports.js';
import type { SessionRecord } from '../ports/contracts.js';
import type { Scenario } from '../faults/schema.js';

/**
 * The bounces planned in one mail transaction: a `bounce` action at RCPT covers the recipient
 * being decided, one at data-end the recipients its globs match. Forgotten at the next MAIL.
 */
export class TransactionBounces {
  readonly #byRecipient = new Map<string, BouncePlan>();

  reset(): void {
    this.#byRecipient.clear();
  }

  /** Whether any recipient of this transaction has a bounce planned. */
  get planned(): boolean {
    return this.#byRecipient.size > 0;
  }

  /** RCPT accepted under a bounce verdict. */
  atRcpt(address: string, plan: BouncePlan): void {
    this.#byRecipient.set(address.toLowerCase(), plan);
  }

  /** data-end accepted under a bounce verdict: it covers the matching recipients (and wins over RCPT's). */
  atDataEnd(plan: BouncePlan, recipients: readonly string[]): void {
    for (const address of bounceTargets(plan, recipients)) this.#byRecipient.set(address.toLowerCase(), plan);
  }

  of(address: string): BouncePlan | undefined {
    // Most transactions plan none: no lower-cased copy of each of 100,000 addresses then.
    return this.planned ? this.#byRecipient.get(address.toLowerCase()) : undefined;
  }
}

export interface AcceptedInput {
  id: string;
  session: SessionRecord;
  envelope: SMTPServerEnvelope;
  scenario: Scenario;
  hostname: string;
  bounces: TransactionBounces;
  /** Renders a reply template for one recipient ({recipient}, {recipientDomain} …). */
  render: (template: string, recipient: string) => string;
}

/** What the harness needs to report on a stored message: its DSN parameters (RFC 3461) and planned bounces. */
export function acceptedMessage(input: AcceptedInput): AcceptedMessage {
  const { envelope, bounces, render } = input;
  // One object per recipient and none more: this runs in the turn that answers the message, once
  // per recipient, so the common recipient (no DSN parameters, no bounce) is a bare address.
  const recipients: AcceptedRecipient[] = [];
  for (const rcpt of envelope.rcptTo) recipients.push(acceptedRecipient(rcpt, bounces.of(rcpt.address), render));
  return withRecipients(input, recipients);
}

/** Recipients built per turn for a large message (the bounce scheduler plans as many per turn, app/bounce-turns.ts). */
export const RECIPIENTS_PER_TURN = 1_000;

/**
 * acceptedMessage for a message of any size: over RECIPIENTS_PER_TURN recipients and no bounce
 * planned, the recipients are built a slice per turn (setImmediate: I/O goes first) and `done`
 * comes in a later turn. Issue 9, item 8: with --max-recipients 100000 building them all added
 * 100,000 objects and their garbage collection to the turn that answers the message.
 * A message with a bounce planned is built at once: its bounces are noted in the transcript
 * before the session can end, and the plans are the open transaction's.
 */
export function acceptedMessageInTurns(input: AcceptedInput, done: (message: AcceptedMessage) => void): void {
  const { rcptTo } = input.envelope;
  if (rcptTo.length <= RECIPIENTS_PER_TURN || input.bounces.planned) return done(acceptedMessage(input));
  const recipients: AcceptedRecipient[] = [];
  const slice = (from: number) => {
    const to = Math.min(rcptTo.length, from + RECIPIENTS_PER_TURN);
    for (let i = from; i < to; i++) recipients.push(acceptedRecipient(rcptTo[i] as SMTPServerAddress, undefined, input.render));
    if (to < rcptTo.length) setImmediate(slice, to);
    else done(withRecipients(input, recipients));
  };
  slice(0);
}

function withRecipients({ id, session, envelope, scenario, hostname }: AcceptedInput, recipients: AcceptedRecipient[]): AcceptedMessage {
  const ret = envelope.dsn?.ret;
  return {
    id,
    session,
    envelopeFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
    recipients,
    ...((ret === 'FULL' || ret === 'HDRS') && { ret }),
    ...(envelope.dsn?.envid && { envid: envelope.dsn.envid }),
    scenario: scenario.name,
    ...(scenario.bounceStyle && { style: scenario.bounceStyle }),
    hostname: scenario.persona.hostname ?? hostname,
  };
}

function acceptedRecipient(rcpt: SMTPServerAddress, plan: BouncePlan | undefined, render: AcceptedInput['render']): AcceptedRecipient {
  const dsn = rcpt.dsn;
  if (!plan && !dsn?.notify && !dsn?.orcpt) return { address: rcpt.address };
  return {
    address: rcpt.address,
    ...(dsn?.notify && { notify: dsn.notify }),
    ...(dsn?.orcpt && { orcpt: dsn.orcpt }),
    ...(plan && { bounce: planned(plan, (template) => render(template, rcpt.address)) }),
  };
}

function planned(plan: BouncePlan, render: (template: string) => string): PlannedBounce {
  const then = plan.then && { afterMs: plan.then.afterMs, ...(plan.then.reply !== undefined && { reply: render(plan.then.reply) }), ...(plan.then.status && { status: plan.then.status }) };
  return {
    kind: plan.kind,
    afterMs: plan.afterMs,
    dsn: plan.dsn,
    ...(plan.reply !== undefined && { reply: render(plan.reply) }),
    ...(plan.status && { status: plan.status }),
    ...(plan.style && { style: plan.style }),
    ...(then && { then }),
  };
}

/** RFC 3461 parameters as the transcript notes them. */
export function dsnNote(params: Record<string, string | string[] | null | undefined>): string | undefined {
  const parts = Object.entries(params)
    .filter(([, value]) => value !== undefined && value !== null && value.length > 0)
    .map(([name, value]) => `${name}=${Array.isArray(value) ? value.join(',') : value}`);
  return parts.length ? `DSN (RFC 3461): ${parts.join(' ')}` : undefined;
}
