import { notFound } from '../errors/catalogue.js';
import type { AutoReplyRequest, InboundPort, InboundRequest, ReplyRequest, Simulated } from '../ports/inbound.js';
import type { Clock, MessageSink } from '../ports/contracts.js';
import type { MailboxPort } from '../ports/mailbox.js';
import { newId } from '../util/ids.js';
import { compose, type Draft } from './compose.js';
import { inboundDraft, rawInbound } from './inbound.js';
import { originalOf } from './original.js';
import { autoReplyDraft, replyDraft } from './replies.js';

export interface SimulatorDeps {
  mailbox: Pick<MailboxPort, 'get' | 'setTags'> & MessageSink;
  clock: Clock;
  /** The right-hand side of the Message-IDs it writes. */
  hostname: string;
}

/** The tag every simulated message carries, so a test (or the UI) tells it from captured mail. */
export const SIMULATED_TAG = 'simulated';

/**
 * Puts mail into mailboxes as if it had come from outside: a reply, an out-of-office reply, or
 * any message. Each is stored like captured mail (no SMTP session: SessionID null), so it shows
 * in the inbox, on the live feed and in the maildrop of each envelope recipient, and carries the
 * `simulated` tag and an X-Mailsim-Simulated header.
 */
export class InboundSimulator implements InboundPort {
  constructor(private readonly deps: SimulatorDeps) {}

  reply(id: string, request: ReplyRequest): Promise<Simulated> {
    return this.#answer(id, (original) => replyDraft(original, request));
  }

  autoReply(id: string, request: AutoReplyRequest): Promise<Simulated> {
    return this.#answer(id, (original) => autoReplyDraft(original, request));
  }

  async inbound(request: InboundRequest): Promise<Simulated> {
    if ('raw' in request) {
      const { raw, envelope } = rawInbound(request.raw, request.from, request.mailboxes);
      return this.#store(raw, envelope);
    }
    return this.#send(inboundDraft(request.fields, request.mailboxes));
  }

  async #answer(id: string, draft: (original: ReturnType<typeof originalOf>) => Draft): Promise<Simulated> {
    const stored = this.deps.mailbox.get(id);
    if (!stored) throw notFound(`message ${id}`);
    return this.#send(draft(originalOf(stored)));
  }

  async #send(draft: Draft): Promise<Simulated> {
    const now = this.deps.clock.now();
    const raw = await compose(draft, `<${newId()}@${this.deps.hostname}>`, new Date(now));
    return this.#store(raw, draft.envelope);
  }

  async #store(raw: Buffer, envelope: { from: string; to: string[] }): Promise<Simulated> {
    const { id } = await this.deps.mailbox.ingest({ raw, envelope });
    const tags = this.deps.mailbox.get(id)?.summary.Tags ?? [];
    if (!tags.includes(SIMULATED_TAG)) await this.deps.mailbox.setTags([id], [...tags, SIMULATED_TAG]);
    return { ID: id };
  }
}
