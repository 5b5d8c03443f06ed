import { parentPort } from 'node:worker_threads';
import type { ThreadReply } from '../util/thread-calls.js';
import { checkHtml } from './html-check.js';

export interface HtmlCheckCall {
  call: number;
  /** The HTML body as UTF-8, moved (not cloned) into the thread. */
  html: Uint8Array;
}
export type HtmlCheckReply = ThreadReply<string>;

/**
 * The html-check thread: the scan is linear but a 20 MiB body takes seconds (htmlparser2 alone:
 * ~150 ms a MiB here), so it never runs on the event loop. The report is serialised here too:
 * the main thread sends the string as it is.
 */
const decoder = new TextDecoder();
parentPort!.on('message', ({ call, html }: HtmlCheckCall) => {
  let reply: HtmlCheckReply;
  try {
    reply = { call, ok: true, value: JSON.stringify(checkHtml(decoder.decode(html))) };
  } catch (error) {
    reply = { call, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
