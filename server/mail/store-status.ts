import type { IngestRefusal } from '../ports/contracts.js';
import type { StoreState } from '../ports/mailbox.js';
import { errorFields, type Log } from '../ports/log.js';
import { reviveError, type WriteState } from './write-health.js';
import { CodedError, smtpReply } from '../errors/catalogue.js';



/** What ingest rejects with while the store is full: the SMTP adapter answers with its reply. */
export function storageFull(cause: unknown): IngestRefusal {
  const message = `the store is full: ${cause instanceof Error ? cause.message : String(cause)}`;
  return Object.assign(new CodedError('STORE_FULL', message, { cause }), { reply: smtpReply('STORE_FULL') });
}

/**
 * The store's state as the event-loop thread sees it: the writer thread announces when writes
 * stop getting through (a full disk) and when they get through again; each change is logged
 * once, with the writer's own error and stack, and passed to whoever listens.
 */
export class StoreStatus {
  #writes: WriteState = { state: 'ok' };
  readonly #listeners = new Set<(state: StoreState) => void>();

  constructor(
    private readonly current: () => { open: boolean; failure: Error | undefined },
    private readonly log: Log | undefined,
    private readonly report: (error: unknown) => void,
  ) {}

  state(): StoreState {
    const { open, failure } = this.current();
    if (!open) return { state: 'closed', reason: 'the store is not open' };
    if (failure) return { state: 'failed', reason: `${failure.message}; restart mailsim` };
    const writes = this.#writes;
    if (writes.state === 'ok') return { state: 'ok', reason: '' };
    const { message, code } = writes.error;
    const since = new Date(writes.since).toISOString();
    return { state: 'full', reason: `store full since ${since} (${code}: ${message}): new mail is answered 452 4.3.1 until space is freed` };
  }

  /** Called with each change of state; returns the unsubscribe. */
  onChange(listener: (state: StoreState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  writesChanged(writes: WriteState): void {
    this.#writes = writes;
    if (writes.state === 'full') {
      const error = reviveError(writes.error);
      if (this.log) this.log.error(`store full (${error.message}): new mail is answered 452 4.3.1 until space is freed`, errorFields(error));
      else this.report(error);
    } else {
      this.log?.warn('store: space again, new mail is stored');
    }
    this.changed();
  }

  /** The writer thread stopped, or the store closed. */
  changed(): void {
    const state = this.state();
    for (const listener of this.#listeners) listener(state);
  }
}
