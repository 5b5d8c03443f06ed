/** The public shapes of `mailsim/testing`: the client, its filters, waits and start options. */
import type { z } from 'zod';
import type { ConfigInput } from '../config/config.js';
import type { oneShotSchema } from '../faults/one-shot.js';
import type { ScenarioInput } from '../faults/schema.js';
import type { ClockInfo, Message, MessageSummary, Session, SessionOutcome, SessionSummary, TransactionOutcome } from '../protocol.js';
import type { MessageFilter } from './message-filter.js';

export interface SessionFilter {
  /** One outcome or several (any of them). */
  outcome?: SessionOutcome | readonly SessionOutcome[];
  /** Client IP address. */
  client?: string;
  /** Authenticated SMTP user. */
  user?: string;
  /** Only sessions that started at or after this moment. */
  since?: Date | string | number;
  /**
   * Only sessions with a transaction that meets all of these: `{ index: 3, code: 421 }` is "the
   * app's third message on the connection got 421"; `code` also matches a refused recipient.
   */
  transaction?: { outcome?: TransactionOutcome | readonly TransactionOutcome[]; code?: number; index?: number };
}

export interface WaitOptions {
  /** Milliseconds, or a duration such as "30s"; 10 s by default. */
  timeout?: number | string;
}

export interface WaitManyOptions extends WaitOptions {
  /** How many must match; 1 by default. */
  count?: number;
}

/** The body of POST /api/v1/faults: `{ when, count, action }`. */
export type FaultSpec = z.input<typeof oneShotSchema>;

export interface MailsimClient {
  /** Base URL of the HTTP API and web UI. */
  readonly url: string;
  /** Where to point the application's SMTP client (the first listener). */
  readonly smtp: { host: string; port: number };
  /** Messages matching the filter, newest first (all messages without one). */
  messages(filter?: MessageFilter, options?: { limit?: number }): Promise<MessageSummary[]>;
  /** One message in full (text, HTML, attachments); "latest" by default. */
  message(id?: string): Promise<Message>;
  /** Resolves with the newest matching message once one exists; rejects with a report on timeout. */
  waitForMessage(filter?: MessageFilter, options?: WaitOptions): Promise<MessageSummary>;
  /** Resolves once `count` messages match, with the matches (newest first). */
  waitForMessages(filter?: MessageFilter, options?: WaitManyOptions): Promise<MessageSummary[]>;
  /** SMTP sessions, newest first. Open ones are included unless an outcome is asked for. */
  sessions(filter?: SessionFilter, options?: { limit?: number }): Promise<SessionSummary[]>;
  /** One session with its transcript; "latest" by default. */
  session(id?: string): Promise<Session>;
  /** Resolves once `count` closed sessions match, with the matches (newest first). */
  waitForSessions(filter?: SessionFilter, options?: WaitManyOptions): Promise<SessionSummary[]>;
  /** Switches every listener (or one, "host:port") to a built-in or uploaded scenario. */
  useScenario(scenario: string | ScenarioInput, options?: { listener?: string }): Promise<void>;
  /** Arms a one-shot fault (POST /api/v1/faults); returns its ID. */
  fault(spec: FaultSpec): Promise<string>;
  /** Moves the scenario clock (quotas, greylisting): "24h", "90s", or milliseconds. */
  advanceClock(by: string | number): Promise<ClockInfo>;
  /** Deletes messages and sessions, back to the start-up scenarios, counters, faults and clock. */
  reset(): Promise<void>;
  /** Stops an in-process mailsim; for connectMailsim() it only forgets the connection. */
  close(): Promise<void>;
}

export interface StartOptions extends Omit<ConfigInput, 'scenario'> {
  /** A scenario name (built-in or from `scenarios`), or a scenario object to upload. */
  scenario?: string | ScenarioInput;
  /** mailsim's warnings; written to stderr by default. */
  onWarning?: (message: string) => void;
}

export interface ConnectOptions {
  /** For a mailsim started with --ui-auth. */
  auth?: { user: string; password: string };
}
