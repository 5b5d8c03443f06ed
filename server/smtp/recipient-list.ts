/**
 * The open transaction's recipients as plain addresses, for the fault engine. Kept in step with
 * smtp-server's envelope by appending what is new, instead of copying the whole list for every
 * command (issue 9, item 8: 100,000 RCPT in one session took 126 s, quadratic).
 */
export class RecipientList {
  #envelope: object | undefined;
  #addresses: string[] = [];

  of(envelope: { rcptTo?: ReadonlyArray<{ address: string }> } | undefined): string[] {
    const rcptTo = envelope?.rcptTo ?? [];
    // RSET, EHLO and the end of a message replace the envelope object (smtp-server's _resetSession).
    if (envelope !== this.#envelope || rcptTo.length < this.#addresses.length) {
      this.#envelope = envelope;
      this.#addresses = [];
    }
    for (let i = this.#addresses.length; i < rcptTo.length; i++) this.#addresses.push((rcptTo[i] as { address: string }).address);
    return this.#addresses;
  }
}
