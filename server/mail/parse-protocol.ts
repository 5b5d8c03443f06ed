/** The messages between the mailbox (event-loop thread) and a parse thread. Types only. */
import type { Message } from '../protocol.js';
import type { ParsedSummary } from './summary.js';

/** What a parse adds to the stored summary when a message is opened. */
export type MessageBody = Pick<Message, 'ReturnPath' | 'ListUnsubscribe' | 'Text' | 'HTML' | 'Inline' | 'Attachments' | 'ParseErrors'>;

export interface ParseInit {
  /** The database the thread reads raw messages from (read-only). */
  path: string;
}

export interface PartContent {
  content: Uint8Array;
  contentType: string;
  filename: string | undefined;
}

export type ParseRequest =
  /** `onlyHeader`: read just the header (after the whole message took too long). The bytes come back. */
  /**
   * `spool`: `raw` is only the trace fields put on top, the rest is in this file (a large
   * message, smtp/data-spool.ts); nothing comes back but the summary.
   */
  | { op: 'summary'; raw: Uint8Array; onlyHeader: boolean; spool?: string }
  | { op: 'view'; id: string }
  | { op: 'part'; id: string; partId: string }
  | { op: 'headers'; id: string }
  | { op: 'render'; id: string; as: 'html' | 'text' };

/** null: no such message (deleted meanwhile) or part. */
export interface ParseResults {
  summary: { parsed: ParsedSummary; raw: Uint8Array };
  view: MessageBody | null;
  part: PartContent | null;
  headers: Record<string, string[]> | null;
  render: string | null;
}

export type ParseCall = ParseRequest & { call: number };

/** To a parse thread: a job, the cancel of one not started yet (it moved to another thread), or close. */
export type ParseThreadMessage = ParseCall | { cancel: number } | 'close';

export type ParseReply = { call: number; ok: true; result: unknown } | { call: number; ok: false; error: string } | { call: 0; ready: true };
