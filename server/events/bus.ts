import type { ClockInfo, FaultEvent, ListenerInfo, MessageSummary, ScenarioInfo, SessionSummary } from '../protocol.js';

/** Every event mailsim publishes, by dotted name. */
export interface EventMap {
  'message.received': MessageSummary;
  /** `All` when the whole mailbox was emptied (IDs is then empty). */
  'message.deleted': { IDs: string[]; All?: boolean };
  'message.updated': { IDs: string[]; Read: boolean };
  /** Tags were set (`Tags`: each message's tags now), or a tag renamed or deleted (no `Tags`). */
  'message.tagged': { IDs: string[]; Tags?: string[] };
  'session.opened': SessionSummary;
  'session.closed': SessionSummary;
  'store.reset': Record<string, never>;
  'fault.fired': FaultEvent;
  /** A listener switched scenario, or a scenario file was (re)loaded or failed to load. */
  'scenario.changed': { Scenario: ScenarioInfo; Listeners: ListenerInfo[] };
  'clock.changed': ClockInfo;
  /**
   * What became of one recipient of one accepted message after the 250, on the scenario clock:
   * delivered, deferred (a delay DSN), bounced (a failure DSN), dropped or reported as spam.
   * Provider event webhooks (SendGrid, SES via SNS, Mailgun, Postmark) are built from these.
   */
  'delivery.event': DeliveryEvent;
}

export interface DeliveryEvent {
  kind: 'delivered' | 'deferred' | 'bounced' | 'dropped' | 'spam';
  /** The stored original's ID, and the session that submitted it. */
  messageId: string;
  sessionId: string;
  recipient: string;
  envelopeFrom: string;
  /** Scenario-clock ms: when the message was accepted, and when this happened. */
  acceptedAt: number;
  at: number;
  /** The remote reply the DSN reports ("550 5.1.1 … user unknown"), and its RFC 3463 status. */
  reply?: string;
  status?: string;
  /** The stored DSN's ID, for deferred and bounced. */
  bounceId?: string;
  attempt?: number;
  /** The scenario in force when the message was accepted. */
  scenario: string;
  /** spam: the complaint's RFC 5965 Feedback-Type (abuse, fraud, …). */
  feedbackType?: string;
}

export type EventName = keyof EventMap;
export type Listener<K extends EventName> = (payload: EventMap[K]) => void;

/**
 * Typed in-process publish/subscribe. A throwing subscriber is reported and skipped, never
 * allowed to break the publisher: the SMTP path publishes and must not fail because a
 * WebSocket client or webhook misbehaved.
 */
export class EventBus {
  readonly #listeners = new Map<EventName, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown, event: EventName) => void = () => {}) {}

  on<K extends EventName>(event: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  publish<K extends EventName>(event: K, payload: EventMap[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(payload);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  listenerCount(event: EventName): number {
    return this.#listeners.get(event)?.size ?? 0;
  }
}
