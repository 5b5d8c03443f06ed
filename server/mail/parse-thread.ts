import Database from 'better-sqlite3';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseMessage, parseSummary, type ParsedMessage } from './message-parser.js';
import { findPart, headersOf, messageBody, renderHtml, renderText } from './message-view.js';
import { ParseCache } from './parse-cache.js';
import { boundPageCache, READER_CACHE_KIB } from './page-cache.js';
import type { ParseCall, ParseInit, ParseReply, ParseRequest, ParseResults, ParseThreadMessage } from './parse-protocol.js';
import { releaseBytes, transferList } from './shared-bytes.js';

/**
 * Entry point of a parse thread: every MIME parse the store does, so that none runs on the
 * event loop (a pathological message costs this thread time, never SMTP, HTTP or the WebSocket)
 * nor on the writer thread (which would hold up every client's 250). Raw messages are read from
 * the database here, on a read-only connection of the thread's own.
 */
const port = parentPort;
if (!port) throw new Error('parse-thread runs as a worker thread');
const init = workerData as ParseInit;
const cache = new ParseCache();
let reader: { db: Database.Database; raw: Database.Statement<[string], Buffer> } | undefined;

function rawOf(id: string): Buffer | undefined {
  if (!reader) {
    const db = new Database(init.path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    boundPageCache(db, READER_CACHE_KIB);
    const raw = db.prepare<[string], Buffer>('SELECT r.raw FROM messages m JOIN message_raw r ON r.seq = m.seq WHERE m.id = ?').pluck();
    reader = { db, raw };
  }
  return reader.raw.get(id);
}

async function opened(id: string): Promise<ParsedMessage | undefined> {
  const raw = rawOf(id);
  return raw && cache.get(id, raw.length, () => parseMessage(raw));
}

type Answer<K extends ParseRequest['op']> = [ParseResults[K], ArrayBuffer[]?];

async function handle(request: ParseRequest): Promise<Answer<ParseRequest['op']>> {
  switch (request.op) {
    case 'summary': {
      const { raw, onlyHeader, spool } = request;
      if (spool) {
        const whole = withSpool(raw, spool);
        try {
          // The summary is strings and numbers: nothing in it points into these bytes.
          return [{ parsed: await parseSummary(whole, onlyHeader), raw: new Uint8Array(0) }];
        } finally {
          releaseBytes(whole);
        }
      }
      const parsed = await parseSummary(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), onlyHeader);
      return [{ parsed, raw }, transferList(raw)];
    }
    case 'view': {
      const parsed = await opened(request.id);
      return [parsed ? messageBody(parsed) : null];
    }
    case 'part': {
      const parsed = await opened(request.id);
      const part = parsed && findPart(parsed, request.partId);
      // Copied, not transferred: the cached parse keeps its buffer.
      return [part ? { content: new Uint8Array(part.content), contentType: part.contentType, filename: part.filename } : null];
    }
    case 'headers': {
      const raw = rawOf(request.id);
      return [raw ? headersOf(raw) : null];
    }
    case 'render': {
      const parsed = await opened(request.id);
      if (!parsed) return [null];
      return [request.as === 'html' ? renderHtml(request.id, parsed) : renderText(parsed)];
    }
  }
}

const post = (reply: ParseReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

// One job at a time, in the order handed: the pool knows which one is running from the answers.
const queue: ParseCall[] = [];
const cancelled = new Set<number>();
let running = false;

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  for (let call = queue.shift(); call; call = queue.shift()) {
    if (cancelled.delete(call.call)) continue;
    try {
      const [result, transfer] = await handle(call);
      post({ call: call.call, ok: true, result }, transfer);
    } catch (error) {
      post({ call: call.call, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  running = false;
}

port.on('message', (message: ParseThreadMessage) => {
  if (message === 'close') {
    reader?.db.close();
    port.close();
  } else if ('cancel' in message) {
    cancelled.add(message.cancel);
  } else {
    queue.push(message);
    void drain();
  }
});
// Ready once warm: a new thread's first parse costs 100-300 ms of lazy compilation, which the
// message that waits on a stuck thread must not pay.
const WARM_UP = 'From: a@example.com\r\nTo: b@example.org\r\nSubject: warm\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n';
void parseSummary(Buffer.from(WARM_UP)).finally(() => post({ call: 0, ready: true }));

/**
 * The trace fields, then the spool file's bytes, in one buffer of this thread's own: the event
 * loop keeps its copy for the writer, and a parse that kills this thread loses nothing.
 */
function withSpool(top: Uint8Array, path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const whole = Buffer.allocUnsafeSlow(top.byteLength + size);
    whole.set(top);
    for (let at = 0; at < size; ) {
      const read = readSync(fd, whole, top.byteLength + at, size - at, at);
      if (read === 0) throw new Error(`the spool file ends after ${at} of ${size} bytes`);
      at += read;
    }
    return whole;
  } finally {
    closeSync(fd);
  }
}
