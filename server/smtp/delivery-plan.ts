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
export function acceptedMessage({ id, session, envelope, scenario, hostname, bounces, render }: AcceptedInput): AcceptedMessage {
  // One object per recipient and none more: this runs in the turn that answers the message, once
  // per recipient (100,000 with --max-recipients 100000, issue 9 item 8), so the common recipient
  // (no DSN parameters, no bounce) is a bare address.
  const recipients: AcceptedRecipient[] = [];
  for (const rcpt of envelope.rcptTo) recipients.push(acceptedRecipient(rcpt, bounces, render));
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

function acceptedRecipient(rcpt: SMTPServerAddress, bounces: TransactionBounces, render: AcceptedInput['render']): AcceptedRecipient {
  const plan = bounces.of(rcpt.address);
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
