import type { EventBus } from '../events/bus.js';
import type { Clock } from '../ports/contracts.js';
import type { AcceptedMessage, AcceptedRecipient, PlannedBounce } from '../ports/delivery-reports.js';
import { errorFields, type Log } from '../ports/log.js';
import type { DsnStyleName } from '../util/dsn-styles.js';
import { MAX_TIMER_MS } from '../smtp/decision-runner.js';
import { type BounceSender, isStyle, type ReportRecipient, type ReportRequest } from './bounce-sender.js';

/** A report waiting for the scenario clock. */
interface Pending {
  due: number;
  request: ReportRequest;
  /** delayed → failed: the final failure, scheduled once the delay report has gone. */
  then?: { afterMs: number; recipients: ReportRecipient[]; dsn: boolean };
}

/** RFC 3461 §4.1: NEVER, or a list of SUCCESS, FAILURE, DELAY; without NOTIFY, failures and delays are reported. */
function wants(notify: string[] | undefined, kind: 'SUCCESS' | 'FAILURE' | 'DELAY'): boolean {
  if (!notify) return kind !== 'SUCCESS';
  return notify.includes(kind);
}

export interface SchedulerDeps {
  sender: BounceSender;
  /** The scenario clock: real time passing and POST /api/v1/clock both move it. */
  clock: Clock;
  bus: EventBus;
  log: Log;
}

/**
 * Fires the reports the SMTP side planned when the scenario clock reaches them: a timer for the
 * next due report (real time passing), and a check on every clock.changed (a test advancing the
 * clock). Pending reports live in memory only: a restart or POST /api/v1/reset drops them.
 */
export class BounceScheduler {
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #firing = false;
  readonly #unsubscribe: Array<() => void>;
  /** The DSN parameters of recent messages, for POST /api/v1/message/{ID}/bounce. */
  readonly #recent = new Map<string, AcceptedMessage>();

  constructor(private readonly deps: SchedulerDeps) {
    this.#unsubscribe = [deps.bus.on('clock.changed', () => this.#check()), deps.bus.on('store.reset', () => this.reset())];
  }

  get pending(): number {
    return this.#pending.length;
  }

  /** DeliveryReports: every stored message comes here from the SMTP adapter. */
  accepted(message: AcceptedMessage): void {
    const acceptedAt = this.deps.clock.now();
    this.#remember(message);
    const style: DsnStyleName = isStyle(message.style) ? message.style : 'postfix';
    const base = { originalId: message.id, sessionId: message.session.id, envelopeFrom: message.envelopeFrom, acceptedAt, style, hostname: message.hostname, scenario: message.scenario, ...(message.ret && { ret: message.ret }), ...(message.envid !== undefined && { envid: message.envid }) };
    const delivered = message.recipients.filter((r) => !r.bounce);
    if (delivered.length) {
      const silent = delivered.filter((r) => !wants(r.notify, 'SUCCESS')).map((r) => r.address);
      this.#add({ due: acceptedAt, request: { ...base, action: 'delivered', recipients: delivered.map(plain), silent } });
    }
    // One report per due time, action and style, as an MTA reports the recipients of one queue run together.
    const groups = new Map<string, { plan: PlannedBounce; recipients: AcceptedRecipient[] }>();
    const dropped = message.recipients.filter((r) => r.bounce?.kind === 'dropped');
    if (dropped.length) this.#drop(message, acceptedAt, dropped);
    for (const r of message.recipients) {
      if (!r.bounce || r.bounce.kind === 'dropped') continue;
      const key = JSON.stringify([r.bounce.afterMs, r.bounce.kind, r.bounce.style, r.bounce.then?.afterMs, r.bounce.dsn]);
      const group = groups.get(key) ?? { plan: r.bounce, recipients: [] };
      group.recipients.push(r);
      groups.set(key, group);
    }
    for (const { plan, recipients } of groups.values()) {
      const groupStyle = isStyle(plan.style) ? plan.style : style;
      const failed = plan.kind === 'failed';
      const silent = recipients.filter((r) => !plan.dsn || !wants(r.notify, failed ? 'FAILURE' : 'DELAY')).map((r) => r.address);
      const then = plan.then && { afterMs: plan.then.afterMs, dsn: plan.dsn, recipients: recipients.map((r) => ({ ...plain(r), ...(r.bounce?.then?.reply !== undefined && { reply: r.bounce.then.reply }), ...(r.bounce?.then?.status && { status: r.bounce.then.status }) })) };
      const willRetryUntil = plan.then ? acceptedAt + plan.afterMs + plan.then.afterMs : undefined;
      const request: ReportRequest = {
        ...base,
        style: groupStyle,
        action: failed ? 'failed' : 'delayed',
        recipients: recipients.map((r) => ({ ...plain(r), ...(r.bounce?.reply !== undefined && { reply: r.bounce.reply }), ...(r.bounce?.status && { status: r.bounce.status }) })),
        silent,
        ...(willRetryUntil !== undefined && { willRetryUntil }),
        ...(!failed && { attempt: 1 }),
      };
      this.#add({ due: acceptedAt + plan.afterMs, request, ...(then && { then }) });
    }
    this.#check();
  }

  #drop(message: AcceptedMessage, acceptedAt: number, recipients: AcceptedRecipient[]): void {
    const request = { originalId: message.id, sessionId: message.session.id, envelopeFrom: message.envelopeFrom, acceptedAt, scenario: message.scenario, recipients: recipients.map((r) => ({ address: r.address, reason: r.bounce?.reply ?? 'Bounced Address' })) };
    this.deps.sender.drop(request).catch((error: unknown) => this.deps.log.error(`dropping message ${message.id} failed`, errorFields(error)));
  }

  /** The DSN parameters and scenario of a recent message (null when not seen since the start). */
  acceptedMessage(id: string): AcceptedMessage | undefined {
    return this.#recent.get(id);
  }

  reset(): void {
    this.#pending = [];
    this.#recent.clear();
    this.#arm();
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#pending = [];
    clearTimeout(this.#timer);
  }

  #remember(message: AcceptedMessage): void {
    this.#recent.set(message.id, message);
    // A bounded memory: the oldest go first.
    if (this.#recent.size > 10_000) this.#recent.delete(this.#recent.keys().next().value as string);
  }

  #add(pending: Pending): void {
    this.#pending.push(pending);
    this.#pending.sort((a, b) => a.due - b.due);
  }

  /** Fires everything due, in due order, one report at a time (a report's store write is awaited). */
  #check(): void {
    if (this.#firing) return;
    const now = this.deps.clock.now();
    const due = this.#pending.filter((p) => p.due <= now);
    if (!due.length) return this.#arm();
    this.#pending = this.#pending.filter((p) => p.due > now);
    this.#firing = true;
    void this.#fire(due).finally(() => {
      this.#firing = false;
      this.#check();
    });
  }

  async #fire(due: Pending[]): Promise<void> {
    for (const pending of due) {
      try {
        await this.deps.sender.send(pending.request);
      } catch (error) {
        this.deps.log.error(`sending the ${pending.request.action} report on message ${pending.request.originalId} failed`, errorFields(error));
      }
      const { then } = pending;
      if (then) {
        // The final failure is reported to the recipients whose NOTIFY asks for failures.
        const { attempt: _attempt, ...request } = pending.request;
        const silent = then.dsn ? this.#noFailure(pending) : then.recipients.map((r) => r.address);
        this.#add({ due: pending.due + then.afterMs, request: { ...request, action: 'failed', recipients: then.recipients, silent } });
      }
    }
  }

  #noFailure(pending: Pending): string[] {
    const message = this.#recent.get(pending.request.originalId);
    return (message?.recipients ?? []).filter((r) => !wants(r.notify, 'FAILURE')).map((r) => r.address);
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = this.#pending[0];
    if (!next) return;
    const wait = Math.min(Math.max(0, next.due - this.deps.clock.now()), MAX_TIMER_MS);
    this.#timer = setTimeout(() => this.#check(), wait);
    this.#timer.unref();
  }
}

function plain(r: AcceptedRecipient): ReportRecipient {
  return { address: r.address, ...(r.orcpt && { orcpt: r.orcpt }) };
}
