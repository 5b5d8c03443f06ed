import type { Log } from '../ports/log.js';
import type { Message } from '../protocol.js';
import type { OpenedPart, Rendered, StoredMessage, Unavailable } from '../ports/mailbox.js';
import type { MessageStore } from './message-store.js';
import type { MessageBody } from './parse-protocol.js';
import { ParseFailure, type ParsePool } from './parse-pool.js';


/** A message's problems are logged once; this many IDs are remembered. */
const LOGGED_IDS = 10_000;

const NO_BODY: Omit<MessageBody, 'ParseErrors'> = {
  ReturnPath: '',
  ListUnsubscribe: { Header: '', Links: [], Errors: '', HeaderPost: '' },
  Text: '',
  HTML: '',
  Inline: [],
  Attachments: [],
};

/**
 * Opening a message: the view, its parts, its header map and the /view pages, each parsed on a
 * parse thread. When a parse cannot answer (past its time bound, or its thread died) the
 * message still opens, from its stored summary and raw source, and says why; nothing here
 * answers with an error a client did not cause.
 */
export class MessageOpener {
  #logged = new Set<string>();

  constructor(
    private readonly pool: ParsePool,
    private readonly messages: () => MessageStore,
    private readonly log: Log,
  ) {}

  /** Logs what could not be parsed of a message, once per message. */
  noteProblems(id: string, problems: string[]): void {
    if (!problems.length || this.#logged.has(id)) return;
    if (this.#logged.size >= LOGGED_IDS) this.#logged = new Set();
    this.#logged.add(id);
    this.log.warn(`message ${id} could not be parsed in full: ${problems.join('; ')}`, { messageId: id, problems });
  }

  async view(stored: Omit<StoredMessage, 'raw'>): Promise<Message | undefined> {
    const { summary } = stored;
    const body = await this.pool.run({ op: 'view', id: summary.ID }).catch((error: unknown) => this.#fallback(summary.ID, error));
    if (!body) return undefined;
    const errors = [...new Set([...stored.problems, ...body.ParseErrors])];
    this.noteProblems(summary.ID, errors);
    return {
      ID: summary.ID,
      MessageID: summary.MessageID,
      From: summary.From,
      To: summary.To,
      Cc: summary.Cc,
      Bcc: summary.Bcc,
      ReplyTo: summary.ReplyTo,
      ReturnPath: body.ReturnPath || summary.Envelope.From,
      Subject: summary.Subject,
      ListUnsubscribe: body.ListUnsubscribe,
      Date: new Date(stored.date ?? Date.parse(summary.Created)).toISOString(),
      Tags: summary.Tags,
      Username: summary.Username,
      Text: body.Text,
      HTML: body.HTML,
      Size: summary.Size,
      Inline: body.Inline,
      Attachments: body.Attachments,
      Envelope: summary.Envelope,
      SessionID: summary.SessionID,
      Created: summary.Created,
      ParseErrors: errors,
      // The mailbox fills these in from bounce_links (bounce-links.ts).
      IsBounce: false,
      Bounce: null,
      BounceIDs: [],
    };
  }

  async part(id: string, partId: string): Promise<OpenedPart | Unavailable | undefined> {
    try {
      const part = await this.pool.run({ op: 'part', id, partId });
      if (!part) return undefined;
      const { buffer, byteOffset, byteLength } = part.content;
      return { content: Buffer.from(buffer, byteOffset, byteLength), contentType: part.contentType, filename: part.filename ?? `part-${partId}` };
    } catch (error) {
      return { unavailable: this.#reason(id, error) };
    }
  }

  async headers(id: string): Promise<Record<string, string[]> | Unavailable | undefined> {
    try {
      return (await this.pool.run({ op: 'headers', id })) ?? undefined;
    } catch (error) {
      return { unavailable: this.#reason(id, error) };
    }
  }

  /** /view/{ID}.html|.txt; the raw source, as text, when the message cannot be parsed in time. */
  async render(id: string, as: 'html' | 'text'): Promise<Rendered | undefined> {
    try {
      const body = await this.pool.run({ op: 'render', id, as });
      return body === null ? undefined : { type: as, body };
    } catch (error) {
      const why = this.#reason(id, error);
      const stored = this.messages().get(id);
      return stored && { type: 'text', body: Buffer.concat([Buffer.from(`mailsim could not parse this message (${why}); its raw source follows.\n\n`), stored.raw]) };
    }
  }

  #fallback(id: string, error: unknown): MessageBody {
    return { ...NO_BODY, ParseErrors: [`${this.#reason(id, error)}: only the summary and the raw source are shown`] };
  }

  /** A parse failure is the message's problem (logged once); anything else is ours and is thrown. */
  #reason(id: string, error: unknown): string {
    if (!(error instanceof ParseFailure)) throw error;
    this.noteProblems(id, [error.message]);
    return error.message;
  }
}
