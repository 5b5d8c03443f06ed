/**
 * Where a message's summary is parsed at ingest. Handing a message to a parse thread costs two
 * more thread wake-ups before its 250, and on a loaded machine a wake-up waits for a core: with
 * two CPU hogs beside it, 300 sequential 2 KiB messages took 8-13 s that way against 2.0-2.4 s
 * parsed on the writer thread. So the writer parses the messages it can parse quickly itself;
 * only those that may take long go to a parse thread, where they hold up nobody and run under a
 * time bound. This check is linear in at most CHEAP_BYTES and parses nothing.
 *
 * Worst cases measured on this machine within the bounds, ~100 ms each: 32 KiB of To addresses
 * (mailparser's address parser, ~10 µs an address), 16 KiB of unclosed HTML elements
 * (html-to-text), 64 MIME parts (~0.5 ms a part).
 */
const CHEAP_BYTES = 32 * 1024;
const CHEAP_HTML_BYTES = 16 * 1024;
const CHEAP_BOUNDARY_LINES = 64;

const HTML = Buffer.from('text/html');

/** True when the writer thread may parse this message itself (see above). */
export function parsesCheaply(raw: Buffer): boolean {
  if (raw.length > CHEAP_BYTES) return false;
  if (raw.length > CHEAP_HTML_BYTES && mentionsHtml(raw)) return false;
  let lines = 0;
  for (let pos = 0; pos < raw.length; ) {
    if (raw[pos] === 0x2d && raw[pos + 1] === 0x2d && ++lines > CHEAP_BOUNDARY_LINES) return false;
    const next = raw.indexOf(0x0a, pos);
    if (next < 0) break;
    pos = next + 1;
  }
  return true;
}

/** Content-Type values are case-insensitive: "TEXT/HTML" is HTML too. */
function mentionsHtml(raw: Buffer): boolean {
  return raw.indexOf(HTML) >= 0 || raw.toString('latin1').toLowerCase().includes('text/html');
}
