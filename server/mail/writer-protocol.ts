/** The messages between the mailbox (event-loop thread) and the writer thread. Types only. */
import type { SessionRecord } from '../ports/contracts.js';
import type { BounceDetails, MessageSummary } from '../protocol.js';
import type { ParsedSummary } from './summary.js';
import type { SqlFilter } from './search-sql.js';
import type { StoredSessionRow } from './session-store.js';
import type { TagRenameResult } from '../ports/mailbox.js';
import type { TaggingOptions } from './tags.js';
import type { SerializedError, WriteState } from './write-health.js';

export type WriteTarget = { ids: string[] } | { filter: SqlFilter } | 'all';

export interface WriterLimits {
  maxMessages: number;
  maxSessions: number;
}

export interface WriterInit {
  path: string;
  limits: WriterLimits;
  /** When the store opened: sessions left "active" by a crash are closed at this time. */
  openedAt: number;
  /** How often the writer checkpoints the WAL into the database file. */
  checkpointEveryMs: number;
  /** Where new messages get their tags from. */
  tagging: TaggingOptions;
}

export type WriterRequest =
  | {
      op: 'ingest';
      raw: Uint8Array;
      /** Parsed by a parse thread (parse-pool.ts) before it comes here; undefined: parse it here (parse-route.ts). */
      parsed: ParsedSummary | undefined;
      envelope: { from: string; to: string[] };
      /** The session without its transcript (which grows with every message on a pooled
       * connection): its row is created with the first message if it does not exist yet. */
      session: SessionRecord | undefined;
      /** A bounce mailsim sent: its link to the original, stored in the same transaction. */
      bounce?: BounceDetails;
      now: number;
    }
  /** A closed session's row, serialised on the event loop (session-store.ts sessionRow). */
  | { op: 'saveSession'; row: StoredSessionRow; prune: boolean }
  | { op: 'delete'; target: WriteTarget }
  | { op: 'setRead'; read: boolean; target: WriteTarget }
  | { op: 'sweep'; cutoff: number }
  | { op: 'reset' }
  /** Tags (cleaned by the caller) replace those of each message. */
  | { op: 'setTags'; ids: string[]; tags: string[] }
  | { op: 'renameTag'; from: string; to: string }
  | { op: 'deleteTag'; name: string }
  /** A POP3 UPDATE: the messages leave `mailbox` (lower-case); see maildrop-writes.ts. */
  | { op: 'maildropRemove'; mailbox: string; ids: string[] }
  /** SQLite's max_page_count on the writer's connection (null: no limit): how a test fills the disk. */
  | { op: 'limitPages'; pages: number | null };

export interface WriterResults {
  /**
   * `problems`: what could not be parsed of it (logged by the mailbox). `summary.Envelope.To`
   * comes back empty and the mailbox puts back the list it sent: echoing 100,000 addresses
   * cost the event loop their copy out of the reply (issue 9, item 8). `summary.Bcc` holds the
   * Bcc header's addresses alone, for the same reason: the mailbox adds those the envelope
   * implies (implied-bcc.ts).
   */
  ingest: { summary: MessageSummary; pruned: string[]; problems: string[] };
  saveSession: null;
  delete: { deleted: string[]; count: number };
  setRead: string[];
  sweep: string[];
  reset: number;
  /** IDs of the messages whose tags changed. */
  setTags: string[];
  renameTag: { result: TagRenameResult; ids: string[] };
  /** IDs of the messages that carried the tag; null when there is no such tag. */
  deleteTag: string[] | null;
  /** IDs of the messages deleted because no maildrop held them any more. */
  maildropRemove: string[];
  /** The limit now in force (never below the database's current size). */
  limitPages: number;
}

export type WriterCall = WriterRequest & { id: number };

export type WriterReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: SerializedError }
  | { id: 0; ready: true }
  | { id: 0; closed: true }
  | { id: 0; fatal: SerializedError }
  /** Writes stopped getting through (SQLITE_FULL) or got through again. */
  | { id: 0; health: WriteState }
  /** A background failure (a checkpoint) that is not a full disk, for the log. */
  | { id: 0; problem: SerializedError };
