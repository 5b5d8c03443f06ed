import type { BounceControl, SimulateBounce, SimulateResult } from '../http/routes/bounces.js';
import type { MailboxReader } from '../ports/mailbox.js';
import type { BounceScheduler } from './bounce-scheduler.js';
import { type BounceSender, isStyle } from './bounce-sender.js';

export interface BounceControlDeps {
  mailbox: Pick<MailboxReader, 'get'>;
  sender: BounceSender;
  scheduler: BounceScheduler;
  hostname: string;
  providerEvents: () => unknown[];
  providerKeys: () => unknown;
  snsCertificate: () => string | null;
  relayHistory: () => unknown[];
}

/** POST /api/v1/message/{ID}/bounce: a report on any stored message, sent now. */
export function bounceControl(deps: BounceControlDeps): BounceControl {
  return {
    providerEvents: deps.providerEvents,
    providerKeys: deps.providerKeys,
    snsCertificate: deps.snsCertificate,
    relayHistory: deps.relayHistory,
    complaint(id, request) {
      const stored = deps.mailbox.get(id);
      if (!stored) return 'not-found';
      const { summary } = stored;
      const accepted = deps.scheduler.acceptedMessage(summary.ID);
      const recipients = request.Recipients ?? summary.Envelope.To;
      deps.sender.complaint({
        originalId: summary.ID,
        sessionId: summary.SessionID,
        envelopeFrom: summary.Envelope.From,
        acceptedAt: Date.parse(summary.Created),
        scenario: accepted?.scenario ?? '',
        recipients,
        feedbackType: request.FeedbackType,
      });
      return { Recipients: recipients, FeedbackType: request.FeedbackType };
    },
    async simulate(id: string, request: SimulateBounce): Promise<SimulateResult> {
      const stored = deps.mailbox.get(id);
      if (!stored) return 'not-found';
      const { summary } = stored;
      // RFC 5321 §4.5.5: a message with the null reverse-path (a bounce itself) is never bounced.
      if (summary.Envelope.From === '') return { refused: `message ${summary.ID} has the null reverse-path (MAIL FROM:<>): no bounce is ever sent for it (RFC 5321 §4.5.5)` };
      const accepted = deps.scheduler.acceptedMessage(summary.ID);
      const style = request.Style ?? (isStyle(accepted?.style) ? accepted.style : 'postfix');
      const orcpt = new Map((accepted?.recipients ?? []).map((r) => [r.address.toLowerCase(), r.orcpt]));
      const recipients = (request.Recipients ?? summary.Envelope.To).map((address) => {
        const o = orcpt.get(address.toLowerCase());
        return { address, ...(o && { orcpt: o }), ...(request.Reply !== undefined && { reply: request.Reply }), ...(request.Status && { status: request.Status }) };
      });
      const sent = await deps.sender.send({
        originalId: summary.ID,
        sessionId: summary.SessionID,
        envelopeFrom: summary.Envelope.From,
        acceptedAt: Date.parse(summary.Created),
        action: request.Kind,
        recipients,
        style,
        hostname: accepted?.hostname ?? deps.hostname,
        ...(accepted?.ret && { ret: accepted.ret }),
        ...(accepted?.envid !== undefined && { envid: accepted.envid }),
        scenario: accepted?.scenario ?? '',
        ...(request.Kind === 'delayed' && { attempt: 1 }),
      });
      if (!sent.id || !sent.details) return { refused: `the ${style} style sends no ${request.Kind === 'delayed' ? 'delay' : 'failure'} reports` };
      return { ID: sent.id, Bounce: sent.details };
    },
  };
}
