/**
 * The interfaces one module offers another through the composition root (harness.ts). Types
 * only: the SMTP adapter depends on these, never on the store behind them.
 */
import type { BounceDetails, SessionOutcome, SessionTransaction, TlsInfo, TranscriptEntry } from '../protocol.js';

export interface Endpoint {
  address: string;
  port: number;
}

export interface SessionRecord {
  id: string;
  started: number;
  ended: number | null;
  client: Endpoint;
  server: Endpoint;
  helo: string;
  tls: TlsInfo | null;
  user: string;
  /** The scenario the session runs under ('' where no scenario engine is involved). */
  scenario?: string;
  outcome: SessionOutcome;
  outcomeCode: number | null;
  outcomeDetail: string;
  messages: number;
  transactions: SessionTransaction[];
  transcript: TranscriptEntry[];
}

export interface IncomingMessage {
  /** Exactly as received after dot-unstuffing (RFC 5321 §4.5.2). */
  raw: Buffer;
  /**
   * A large message's spool file (smtp/data-spool.ts): `raw` from `offset` on is the file's
   * content, until the ingest settles. The store may then read the file instead of copying `raw`,
   * and take `raw` itself (move its memory to a thread: it is then empty here).
   */
  spool?: { path: string; offset: number };
  envelope: { from: string; to: string[] };
  /**
   * The session so far; its row is written with the message so the link survives a crash.
   * Absent for mail no SMTP session brought (simulated inbound mail, a bounce mailsim sent): SessionID is then null,
   * or the original's for a bounce.
   */
  session?: SessionRecord;
  /** A bounce mailsim sent: stored linked to the original it reports on. */
  bounce?: BounceDetails;
}

/** An open connection: its record changes until it closes. */
export interface LiveSession {
  readonly id: string;
  record(): SessionRecord;
}

/** An SMTP reply: code, RFC 3463 enhanced status code, text. */
export interface SinkReply {
  code: number;
  enhanced: string;
  text: string;
}

/**
 * What MessageSink.ingest rejects with when the store knows which reply the client should get,
 * e.g. 452 4.3.1 while the disk is full. Any other rejection means 451 4.3.0 (try again).
 */
export interface IngestRefusal extends Error {
  reply?: SinkReply;
}

export interface MessageSink {
  /**
   * Resolves once the message is committed to the store: only then may the 250 go out. Rejects
   * (with an IngestRefusal) when nothing was stored.
   */
  ingest(message: IncomingMessage): Promise<{ id: string; subject?: string }>;
}

export interface SessionSink {
  opened(session: LiveSession): void;
  closed(session: SessionRecord): void;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
