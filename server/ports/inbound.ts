/**
 * Simulated inbound mail (issue 13 item 4): what the API asks of the part that puts a reply, an
 * auto-reply or any message into a mailbox. Types only; server/inbound/ implements it.
 */

/** A reply written by a person: goes to the original's Reply-To, else its From (RFC 5322 §3.6.2). */
export interface ReplyRequest {
  /** Who replies; the original's first To address by default. */
  From?: string | undefined;
  Subject?: string | undefined;
  Text?: string | undefined;
  HTML?: string | undefined;
}

/** `rfc3834`: the RFC's own shape; `outlook` and `gmail`: those providers' out-of-office replies. */
export const AUTO_REPLY_STYLES = ['rfc3834', 'outlook', 'gmail'] as const;
export type AutoReplyStyle = (typeof AUTO_REPLY_STYLES)[number];

export interface AutoReplyRequest extends ReplyRequest {
  Style?: AutoReplyStyle | undefined;
  /** Answer even where RFC 3834 §2 and §4 say a responder must not (to test loop protection). */
  Force?: boolean | undefined;
}

/** A message put into a mailbox as if it had arrived from outside. */
export type InboundRequest =
  | {
      /** RFC 5322 text, stored as given (with one X-Mailsim-Simulated header in front). */
      raw: Buffer;
      /** Envelope; from the From, To and Cc headers when absent. */
      from?: string | undefined;
      mailboxes?: string[] | undefined;
    }
  | {
      fields: {
        From: string;
        To: string[];
        Cc?: string[] | undefined;
        Subject?: string | undefined;
        Text?: string | undefined;
        HTML?: string | undefined;
        InReplyTo?: string | undefined;
        Headers?: Record<string, string> | undefined;
      };
      /** Envelope recipients (the maildrops it lands in); To and Cc when absent. */
      mailboxes?: string[] | undefined;
    };

export interface Simulated {
  ID: string;
}

export interface InboundPort {
  reply(id: string, request: ReplyRequest): Promise<Simulated>;
  autoReply(id: string, request: AutoReplyRequest): Promise<Simulated>;
  inbound(request: InboundRequest): Promise<Simulated>;
}
