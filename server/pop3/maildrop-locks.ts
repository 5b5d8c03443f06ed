/**
 * RFC 1939 §8: the server "acquires an exclusive-access lock on the maildrop" at login, so a
 * second session for the same mailbox gets `-ERR [IN-USE]` (RFC 2449 §8.1.2) instead of a
 * second snapshot whose deletions would fight the first. Shared by every POP3 listener of one
 * mailsim (plain, STLS and implicit TLS serve the same mailboxes).
 */
export class MaildropLocks {
  readonly #held = new Set<string>();

  /** True when the lock was free and is now held. */
  acquire(mailbox: string): boolean {
    if (this.#held.has(mailbox)) return false;
    this.#held.add(mailbox);
    return true;
  }

  release(mailbox: string): void {
    this.#held.delete(mailbox);
  }

  isHeld(mailbox: string): boolean {
    return this.#held.has(mailbox);
  }
}
