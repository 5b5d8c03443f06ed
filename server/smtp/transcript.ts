import type { TranscriptEntry } from '../protocol.js';
import { formatSize } from '../util/size.js';

/** A single line longer than this (a 16 KB NOOP, a pasted token) is cut: its start is what helps. */
export const MAX_LINE_CHARS = 1_000;
/** What an entry costs in the stored JSON besides its text: {"At":1767225600000,"Dir":"C","Text":""}, */
const ENTRY_OVERHEAD = 40;
/** Transcripts are never cut below this, whatever the budget (a normal session needs 1-3 KB). */
export const MIN_SESSION_BYTES = 4 * 1024;
/** Room kept for open sessions, counted in sessions of the per-session size. */
const OPEN_SESSION_SHARE = 1_000;
/** Sessions the store may hold beyond --max-sessions: it prunes in batches of 64. */
const STORE_SLACK = 64;

/**
 * How many bytes of transcript sessions may take, open and stored together (issue 9, item 10:
 * a flood of 16 KB NOOPs once wrote 660 MB in 9 s). Each session gets an equal share: the store
 * keeps at most --max-sessions of them, and open sessions draw from what is left, so neither
 * the disk nor the heap can grow past `total`.
 */
export class TranscriptBudget {
  /** The most one session's transcript may take. */
  readonly perSession: number;
  /** What open sessions may hold together (stored ones are bounded by the store's count). */
  readonly openLimit: number;
  #open = 0;

  constructor(readonly total: number, maxSessions: number) {
    this.perSession = Math.max(MIN_SESSION_BYTES, Math.floor(total / (maxSessions + OPEN_SESSION_SHARE)));
    this.openLimit = Math.max(this.perSession, total - (maxSessions + STORE_SLACK) * this.perSession);
  }

  get open(): number {
    return this.#open;
  }

  take(bytes: number): boolean {
    if (this.#open + bytes > this.openLimit) return false;
    this.#open += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#open = Math.max(0, this.#open - bytes);
  }
}

/** Generous enough for anything but a flood; what a SessionState gets when nobody passes one. */
export const DEFAULT_TRANSCRIPT_BUDGET = new TranscriptBudget(512 * 1024 * 1024, 10_000);

interface Kept {
  entry: TranscriptEntry;
  bytes: number;
}

/**
 * One session's transcript within its share of the budget: the start of the session (three
 * quarters of the share), then a note of what was left out, then the latest lines (the rest),
 * so both how it began and how it ended stay readable.
 */
export class Transcript {
  readonly #head: Kept[] = [];
  /** A queue of the latest lines once the head is full; `#tailStart` is its first live index. */
  #tail: Kept[] = [];
  #tailStart = 0;
  #headBytes = 0;
  #tailBytes = 0;
  #dropped = 0;
  #droppedBytes = 0;
  #droppedAt = 0;
  #closed = false;
  readonly #headLimit: number;
  readonly #tailLimit: number;

  constructor(private readonly budget: TranscriptBudget = DEFAULT_TRANSCRIPT_BUDGET) {
    this.#headLimit = Math.floor((budget.perSession * 3) / 4);
    this.#tailLimit = budget.perSession - this.#headLimit;
  }

  /** Bytes this transcript holds now (what its JSON will roughly take). */
  get bytes(): number {
    return this.#headBytes + this.#tailBytes;
  }

  append(entry: TranscriptEntry): void {
    if (this.#closed) return;
    const text = clip(entry.Text);
    const kept = { entry: text === entry.Text ? entry : { ...entry, Text: text }, bytes: costOf(text) };
    if (!this.#dropped && this.#headBytes + kept.bytes <= this.#headLimit && this.budget.take(kept.bytes)) {
      this.#head.push(kept);
      this.#headBytes += kept.bytes;
      return;
    }
    this.#pushTail(kept);
  }

  entries(): TranscriptEntry[] {
    const out = this.#head.map((k) => k.entry);
    if (this.#dropped) {
      out.push({ At: this.#droppedAt, Dir: 'I', Text: `transcript truncated: ${this.#dropped} lines (${formatSize(this.#droppedBytes)}) not kept; the session's first and latest lines are` });
    }
    for (let i = this.#tailStart; i < this.#tail.length; i++) out.push((this.#tail[i] as Kept).entry);
    return out;
  }

  /** The session is over: its bytes leave the open sessions' share (the store counts them now). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.budget.give(this.bytes);
  }

  #pushTail(kept: Kept): void {
    while (this.#tailBytes + kept.bytes > this.#tailLimit || !this.budget.take(kept.bytes)) {
      if (!this.#evictTail()) {
        this.#drop(kept);
        return;
      }
    }
    this.#tail.push(kept);
    this.#tailBytes += kept.bytes;
  }

  #evictTail(): boolean {
    const oldest = this.#tail[this.#tailStart];
    if (!oldest) return false;
    this.#tailStart++;
    this.#tailBytes -= oldest.bytes;
    this.budget.give(oldest.bytes);
    this.#drop(oldest);
    // Compact now and then so the queue's dead front does not grow with the session.
    if (this.#tailStart > 1024 && this.#tailStart * 2 > this.#tail.length) {
      this.#tail = this.#tail.slice(this.#tailStart);
      this.#tailStart = 0;
    }
    return true;
  }

  #drop(kept: Kept): void {
    if (!this.#dropped) this.#droppedAt = kept.entry.At;
    this.#dropped++;
    this.#droppedBytes += kept.bytes;
  }
}

function clip(text: string): string {
  if (text.length <= MAX_LINE_CHARS) return text;
  return `${text.slice(0, MAX_LINE_CHARS)}… (${text.length - MAX_LINE_CHARS} more characters not kept)`;
}

/** Bytes of the entry in the stored JSON: its text as JSON (escapes included) in UTF-8. */
function costOf(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) + ENTRY_OVERHEAD;
}
