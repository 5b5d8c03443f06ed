import { crlfOctets, type MaildropEntry, type Maildrops } from '../../server/ports/maildrops.js';

interface Stored {
  id: string;
  raw: Buffer;
}

/** Maildrops in a Map, for POP3 tests: what the store will implement in the second step. */
export class MemoryMaildrops implements Maildrops {
  readonly #boxes = new Map<string, Stored[]>();
  #next = 1;
  /** Set to make the next calls fail, as a broken store would. */
  failing: 'list' | 'read' | 'remove' | null = null;

  add(mailbox: string, raw: string | Buffer): string {
    const id = `m${String(this.#next++).padStart(6, '0')}`;
    const box = this.#boxes.get(mailbox.toLowerCase()) ?? [];
    box.push({ id, raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw) });
    this.#boxes.set(mailbox.toLowerCase(), box);
    return id;
  }

  ids(mailbox: string): string[] {
    return (this.#boxes.get(mailbox) ?? []).map((m) => m.id);
  }

  async list(mailbox: string): Promise<MaildropEntry[]> {
    if (this.failing === 'list') throw new Error('store unavailable');
    return (this.#boxes.get(mailbox) ?? []).map((m) => ({ id: m.id, uid: `uid-${m.id}`, size: crlfOctets(m.raw) }));
  }

  async read(mailbox: string, id: string): Promise<Buffer | null> {
    if (this.failing === 'read') throw new Error('store unavailable');
    return this.#boxes.get(mailbox)?.find((m) => m.id === id)?.raw ?? null;
  }

  async remove(mailbox: string, ids: readonly string[]): Promise<void> {
    if (this.failing === 'remove') throw new Error('store unavailable');
    this.#boxes.set(mailbox, (this.#boxes.get(mailbox) ?? []).filter((m) => !ids.includes(m.id)));
  }
}
