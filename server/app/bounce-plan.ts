import type { AcceptedRecipient, PlannedBounce } from '../ports/delivery-reports.js';
import type { DropRequest, ReportRecipient } from './bounce-sender.js';

/** RFC 3461 §4.1: NEVER, or a list of SUCCESS, FAILURE, DELAY; without NOTIFY, failures and delays are reported. */
export function wants(notify: string[] | undefined, kind: 'SUCCESS' | 'FAILURE' | 'DELAY'): boolean {
  if (!notify) return kind !== 'SUCCESS';
  return notify.includes(kind);
}

/**
 * The recipients one report is about, gathered one recipient at a time. Unsplit (a message of
 * up to RECIPIENTS_PER_TURN recipients): every recipient in RCPT order, with the addresses that
 * asked for no such report in `silent`, as the sender takes them. Split (a larger one): those
 * asking for the report (one DSN names them all) apart from the quiet ones, whose events only
 * are sent, a slice per turn.
 */
export class ReportRecipients {
  readonly listed: ReportRecipient[] = [];
  readonly silent: string[] = [];
  readonly quiet: ReportRecipient[] = [];

  constructor(readonly split: boolean) {}

  add(recipient: ReportRecipient, quiet: boolean): void {
    if (this.split && quiet) {
      this.quiet.push(recipient);
      return;
    }
    this.listed.push(recipient);
    if (quiet) this.silent.push(recipient.address);
  }

  get size(): number {
    return this.listed.length + this.quiet.length;
  }
}

/** The recipients sharing one planned bounce: one report per due time, action and style, as an MTA reports one queue run. */
export interface BounceGroup {
  plan: PlannedBounce;
  report: ReportRecipients;
  /** delayed → failed: who the final failure is about. */
  final?: ReportRecipients;
}

/** Every report one accepted message needs, built a recipient at a time so that a large message can be planned over several turns. */
export class MessagePlan {
  readonly delivered: ReportRecipients;
  readonly dropped: DropRequest['recipients'] = [];
  readonly groups = new Map<string, BounceGroup>();

  constructor(readonly split: boolean) {
    this.delivered = new ReportRecipients(split);
  }

  add(r: AcceptedRecipient): void {
    const plan = r.bounce;
    if (!plan) return this.delivered.add(plain(r), !wants(r.notify, 'SUCCESS'));
    if (plan.kind === 'dropped') {
      this.dropped.push({ address: r.address, reason: plan.reply ?? 'Bounced Address' });
      return;
    }
    const key = JSON.stringify([plan.afterMs, plan.kind, plan.style, plan.then?.afterMs, plan.dsn]);
    let group = this.groups.get(key);
    if (!group) {
      group = { plan, report: new ReportRecipients(this.split), ...(plan.then && { final: new ReportRecipients(this.split) }) };
      this.groups.set(key, group);
    }
    const failed = plan.kind === 'failed';
    group.report.add({ ...plain(r), ...(plan.reply !== undefined && { reply: plan.reply }), ...(plan.status && { status: plan.status }) }, !group.plan.dsn || !wants(r.notify, failed ? 'FAILURE' : 'DELAY'));
    // The final failure is reported to the recipients whose NOTIFY asks for failures.
    group.final?.add({ ...plain(r), ...(plan.then?.reply !== undefined && { reply: plan.then.reply }), ...(plan.then?.status && { status: plan.then.status }) }, !group.plan.dsn || !wants(r.notify, 'FAILURE'));
  }
}

function plain(r: AcceptedRecipient): ReportRecipient {
  return { address: r.address, ...(r.orcpt && { orcpt: r.orcpt }) };
}
