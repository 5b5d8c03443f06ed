/** The room one session's open transaction holds under a limit's key. */
export interface Hold {
  key: string;
  amount: number;
}

/**
 * Room a counting limit holds for the transactions it let through whose messages are not stored
 * yet. A message is counted only once the store has committed it, which is asynchronous; if the
 * check only looked at that count, two sessions reaching the limit's phase together would both
 * take the last slot (issue 11: a nodemailer pool of 5 got 51-52 messages past a limit of 50).
 * The engine takes a hold in the same synchronous step as the check, turns it into a count when
 * the message is stored, and gives it back when the transaction ends otherwise (a refusal, RSET,
 * a new MAIL or EHLO, the connection closing), so a limit never overshoots.
 */
export class Reservations {
  private readonly holds = new Map<string, Hold>();

  /** What the session's transaction holds under `key` (0 if it holds nothing there). */
  own(sessionId: string, key: string): number {
    const hold = this.holds.get(sessionId);
    return hold?.key === key ? hold.amount : 0;
  }

  /** What every other session's open transaction holds under `key`. */
  othersHold(sessionId: string, key: string): number {
    let total = 0;
    for (const [id, hold] of this.holds) if (id !== sessionId && hold.key === key) total += hold.amount;
    return total;
  }

  /** The session's transaction now holds `amount` under `key` (a hold only grows within a transaction). */
  hold(sessionId: string, key: string, amount: number): void {
    const current = this.own(sessionId, key);
    this.holds.set(sessionId, { key, amount: Math.max(current, amount) });
  }

  /** Removes and returns the session's hold: its message was stored, or its transaction ended. */
  take(sessionId: string): Hold | undefined {
    const hold = this.holds.get(sessionId);
    this.holds.delete(sessionId);
    return hold;
  }

  clear(): void {
    this.holds.clear();
  }
}
