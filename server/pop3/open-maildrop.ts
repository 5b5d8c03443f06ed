import type { MaildropEntry } from '../ports/maildrops.js';

interface Numbered extends MaildropEntry {
  deleted: boolean;
}

export type Lookup = { ok: true; message: MaildropEntry } | { ok: false; error: string };

/**
 * The snapshot a POP3 session works on (RFC 1939 §5): messages numbered 1..n at login, whose
 * numbers never change during the session; DELE only marks, RSET unmarks, and the marks take
 * effect in the UPDATE state, never earlier.
 */
export class OpenMaildrop {
  readonly #messages: Numbered[];

  constructor(
    readonly mailbox: string,
    entries: readonly MaildropEntry[],
  ) {
    this.#messages = entries.map((entry) => ({ ...entry, deleted: false }));
  }

  /** Messages not marked as deleted and their total size (STAT, RSET and QUIT replies). */
  stat(): { count: number; size: number } {
    const live = this.#messages.filter((m) => !m.deleted);
    return { count: live.length, size: live.reduce((sum, m) => sum + m.size, 0) };
  }

  /** [number, message] for every message not marked as deleted, in order. */
  live(): Array<[number, MaildropEntry]> {
    return this.#messages.flatMap((m, index) => (m.deleted ? [] : [[index + 1, m] as [number, MaildropEntry]]));
  }

  /** A message by its number as the client typed it; the error text is RFC 1939's. */
  lookup(arg: string | undefined): Lookup {
    if (arg === undefined || !/^[1-9][0-9]{0,9}$/.test(arg)) return { ok: false, error: 'Invalid message number' };
    const number = Number(arg);
    const message = this.#messages[number - 1];
    if (!message) return { ok: false, error: `No such message, only ${this.#messages.length} messages in maildrop` };
    if (message.deleted) return { ok: false, error: `Message ${number} already deleted` };
    return { ok: true, message };
  }

  mark(arg: string | undefined): Lookup {
    const found = this.lookup(arg);
    if (found.ok) this.#messages[Number(arg) - 1]!.deleted = true;
    return found;
  }

  reset(): void {
    for (const message of this.#messages) message.deleted = false;
  }

  deletedIds(): string[] {
    return this.#messages.filter((m) => m.deleted).map((m) => m.id);
  }
}
