import type { EventBus } from '../events/bus.js';
import type { Clock } from '../ports/contracts.js';
import type { AcceptedMessage } from '../ports/delivery-reports.js';
import { errorFields, type Log } from '../ports/log.js';
import type { DsnStyleName } from '../util/dsn-styles.js';
import { MAX_TIMER_MS } from '../smtp/decision-runner.js';
import { MessagePlan, type ReportRecipients } from './bounce-plan.js';
import { type BounceSender, type DropRequest, isStyle, type ReportRecipient, type ReportRequest } from './bounce-sender.js';
import { inSlices, RECIPIENTS_PER_TURN } from './bounce-turns.js';

/** A report waiting for the scenario clock. */
interface Pending {
  due: number;
  request: ReportRequest;
  /** A large message's recipients that asked for no such report: events only, a slice per turn. */
  quiet?: ReportRecipient[];
  /** delayed → failed: the final failure, scheduled once the delay report has gone. */
  then?: { afterMs: number; recipients: ReportRecipients };
}

/** What every report on one message says of it. */
type ReportBase = Omit<ReportRequest, 'action' | 'recipients' | 'silent'>;

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
 * A message of more than RECIPIENTS_PER_TURN recipients is planned, and its quiet recipients'
 * events are sent, a slice per turn (bounce-turns.ts), so that other clients are served meanwhile.
 */
export class BounceScheduler {
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #firing = false;
  /** Moves on at each reset and at close: work spread over turns stops when it has moved. */
  #epoch = 0;
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
    const base: ReportBase = { originalId: message.id, sessionId: message.session.id, envelopeFrom: message.envelopeFrom, acceptedAt, style, hostname: message.hostname, scenario: message.scenario, ...(message.ret && { ret: message.ret }), ...(message.envid !== undefined && { envid: message.envid }) };
    const split = message.recipients.length > RECIPIENTS_PER_TURN;
    const plan = new MessagePlan(split);
    if (!split) {
      for (const r of message.recipients) plan.add(r);
      return this.#schedule(message, plan, base);
    }
    const epoch = this.#epoch;
    inSlices(message.recipients, (slice) => slice.forEach((r) => plan.add(r)), () => epoch === this.#epoch).then(
      (live) => live && this.#schedule(message, plan, base),
      (error: unknown) => this.deps.log.error(`planning the reports on message ${message.id} failed`, errorFields(error)),
    );
  }

  #schedule(message: AcceptedMessage, plan: MessagePlan, base: ReportBase): void {
    const { acceptedAt } = base;
    if (plan.delivered.size) this.#add({ due: acceptedAt, ...reportOf({ ...base, action: 'delivered' }, plan.delivered) });
    if (plan.dropped.length) this.#drop(message, acceptedAt, plan.dropped);
    for (const { plan: bounce, report, final } of plan.groups.values()) {
      const groupStyle = isStyle(bounce.style) ? bounce.style : base.style;
      const failed = bounce.kind === 'failed';
      const willRetryUntil = bounce.then ? acceptedAt + bounce.afterMs + bounce.then.afterMs : undefined;
      const request = {
        ...base,
        style: groupStyle,
        action: failed ? ('failed' as const) : ('delayed' as const),
        ...(willRetryUntil !== undefined && { willRetryUntil }),
        ...(!failed && { attempt: 1 }),
      };
      const then = bounce.then && final && { afterMs: bounce.then.afterMs, recipients: final };
      this.#add({ due: acceptedAt + bounce.afterMs, ...reportOf(request, report), ...(then && { then }) });
    }
    this.#check();
  }

  #drop(message: AcceptedMessage, acceptedAt: number, recipients: DropRequest['recipients']): void {
    const request = { originalId: message.id, sessionId: message.session.id, envelopeFrom: message.envelopeFrom, acceptedAt, scenario: message.scenario };
    const epoch = this.#epoch;
    inSlices(recipients, (slice) => this.deps.sender.drop({ ...request, recipients: slice }), () => epoch === this.#epoch).catch((error: unknown) =>
      this.deps.log.error(`dropping message ${message.id} failed`, errorFields(error)),
    );
  }

  /** The DSN parameters and scenario of a recent message (null when not seen since the start). */
  acceptedMessage(id: string): AcceptedMessage | undefined {
    return this.#recent.get(id);
  }

  reset(): void {
    this.#epoch++;
    this.#pending = [];
    this.#recent.clear();
    this.#arm();
  }

  close(): void {
    this.#epoch++;
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
        await this.#send(pending);
      } catch (error) {
        this.deps.log.error(`sending the ${pending.request.action} report on message ${pending.request.originalId} failed`, errorFields(error));
      }
      const { then } = pending;
      if (then) {
        const { attempt: _attempt, ...request } = pending.request;
        this.#add({ due: pending.due + then.afterMs, ...reportOf({ ...request, action: 'failed' }, then.recipients) });
      }
    }
  }

  /** The report (one DSN for those who asked for it), then the quiet recipients' events a slice per turn. */
  async #send({ request, quiet }: Pending): Promise<void> {
    if (request.recipients.length || !quiet) await this.deps.sender.send(request);
    if (!quiet) return;
    const epoch = this.#epoch;
    await inSlices(quiet, async (slice) => void (await this.deps.sender.send({ ...request, recipients: slice, silent: slice.map((r) => r.address) })), () => epoch === this.#epoch);
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

/** A report's request and, for a large message, its quiet recipients kept apart. */
function reportOf(request: Omit<ReportRequest, 'recipients' | 'silent'>, recipients: ReportRecipients): Pick<Pending, 'request' | 'quiet'> {
  return { request: { ...request, recipients: recipients.listed, silent: recipients.silent }, ...(recipients.quiet.length > 0 && { quiet: recipients.quiet }) };
}
