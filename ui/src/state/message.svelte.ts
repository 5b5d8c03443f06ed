import type { Message } from '../../../server/protocol.js';
import { api, type RawHead } from '../lib/api.js';
import type { Frame } from '../lib/frames.js';

export type MessageTab = 'html' | 'text' | 'headers' | 'raw' | 'details' | 'auth' | 'links' | 'compat';
export type PreviewWidth = 'desktop' | 'tablet' | 'phone';

export const WIDTHS: Record<PreviewWidth, number | null> = { desktop: null, tablet: 768, phone: 375 };

/** How much of a source the Raw tab shows; the rest is the .eml download. */
export const RAW_HEAD_BYTES = 256 * 1024;

/** The message open in the viewer, with the parts loaded on demand. */
export class MessageState {
  id = $state<string | null>(null);
  message = $state.raw<Message | null>(null);
  error = $state<string | null>(null);
  deleted = $state(false);
  tab = $state<MessageTab>('html');
  width = $state<PreviewWidth>('desktop');
  allowRemote = $state(false);
  headers = $state.raw<Record<string, string[]> | null>(null);
  raw = $state.raw<RawHead | null>(null);
  /** Move focus to the message once it has loaded (it was opened on purpose, not paged to with j/k). */
  focusOnLoad = $state(false);
  /** Headers shown decoded (RFC 2047) or as sent. */
  headersDecoded = $state(true);
  #request = 0;

  async open(id: string | null): Promise<void> {
    if (id === this.id) return;
    const request = ++this.#request;
    this.id = id;
    this.message = null;
    this.headers = null;
    this.raw = null;
    this.error = null;
    this.deleted = false;
    this.allowRemote = false;
    if (!id) return;
    try {
      const message = await api.message(id);
      if (request !== this.#request) return;
      this.message = message;
      if (this.tab === 'html' && !message.HTML) this.tab = 'text';
      else if (this.tab === 'text' && !message.Text && message.HTML) this.tab = 'html';
      if (this.tab === 'headers') void this.loadHeaders();
      if (this.tab === 'raw') void this.loadRaw();
    } catch (error) {
      if (request === this.#request) this.error = (error as Error).message;
    }
  }

  /** Loads the open message again (after a failure). */
  reload(): Promise<void> {
    const id = this.id;
    this.id = null;
    return this.open(id);
  }

  show(tab: MessageTab): void {
    this.tab = tab;
    if (tab === 'headers') void this.loadHeaders();
    if (tab === 'raw') void this.loadRaw();
  }

  async loadHeaders(): Promise<void> {
    const id = this.id;
    if (!id || this.headers) return;
    try {
      const headers = await api.headers(id);
      if (id === this.id) this.headers = headers;
    } catch (error) {
      if (id === this.id) this.error = (error as Error).message;
    }
  }

  async loadRaw(): Promise<void> {
    const id = this.id;
    if (!id || this.raw !== null) return;
    try {
      const raw = await api.rawHead(id, RAW_HEAD_BYTES);
      if (id === this.id) this.raw = raw;
    } catch (error) {
      if (id === this.id) this.error = (error as Error).message;
    }
  }

  apply(frames: readonly Frame[]): void {
    const id = this.id;
    if (!id) return;
    for (const frame of frames) {
      if (frame.Type === 'truncate' || frame.Type === 'reset' || (frame.Type === 'delete' && frame.Data.ID === id)) this.deleted = true;
      // Tags set anywhere (this UI, another, the API) show on the open message.
      if (frame.Type === 'update' && frame.Data.ID === id && 'Tags' in frame.Data && this.message) this.message = { ...this.message, Tags: frame.Data.Tags };
    }
  }
}
