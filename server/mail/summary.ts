import type { Address } from '../protocol.js';

/** What the list, search and tags need of a message: the ingest parse (message-parser.ts). */
export interface ParsedSummary {
  messageId: string;
  subject: string;
  from: Address | null;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  /** Date header in ms, null when missing or unparseable. */
  date: number | null;
  /** Plain text of the body (from the HTML part when there is no text part), then the attachments' file names: for search. */
  text: string;
  snippet: string;
  attachments: number;
  inline: number;
  /** Values of the X-Tags headers (Mailpit's tagging header), undecoded. */
  xTags: string[];
  /** What could not be parsed and why (see mime-bounds.ts); stored with the message. */
  problems: string[];
}

/** The summary of a message none of which could be parsed; `problems` says why. */
export function emptySummary(problems: string[]): ParsedSummary {
  return { messageId: '', subject: '', from: null, to: [], cc: [], bcc: [], replyTo: [], date: null, text: '', snippet: '', attachments: 0, inline: 0, xTags: [], problems };
}
