/**
 * RFC 2047 encoded words in header values (`=?UTF-8?Q?Caf=C3=A9?=`, `=?ISO-8859-1?B?...?=`),
 * decoded for reading. Small on purpose (the UI bundle stays small): Q and B encodings, any
 * charset the browser's TextDecoder knows, RFC 2231 language tags dropped. Whitespace between
 * two encoded words is not part of the text (§6.2), and adjacent words in one charset are
 * decoded together, so a character split across two words (as some mailers do) comes out whole.
 * A word that does not decode is left as it was.
 */
const WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=/g;

interface Piece {
  charset: string;
  bytes: Uint8Array;
  raw: string;
}

function qBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') out.push(0x20);
    else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c.charCodeAt(0) & 0xff);
  }
  return Uint8Array.from(out);
}

function bBytes(text: string): Uint8Array | null {
  try {
    const binary = atob(text.replace(/=+$/, '').padEnd(Math.ceil(text.replace(/=+$/, '').length / 4) * 4, '='));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function decodeRun(run: Piece[]): string {
  const size = run.reduce((n, p) => n + p.bytes.length, 0);
  const joined = new Uint8Array(size);
  let at = 0;
  for (const p of run) {
    joined.set(p.bytes, at);
    at += p.bytes.length;
  }
  try {
    return new TextDecoder(run[0]!.charset).decode(joined);
  } catch {
    return run.map((p) => p.raw).join('');
  }
}

export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let run: Piece[] = [];
  const flush = () => {
    if (run.length) out += decodeRun(run);
    run = [];
  };
  for (const match of value.matchAll(WORD)) {
    const [raw, charset, encoding, text] = match as unknown as [string, string, string, string];
    const between = value.slice(last, match.index);
    const bytes = encoding.toUpperCase() === 'Q' ? qBytes(text) : bBytes(text);
    last = match.index + raw.length;
    if (!bytes) {
      flush();
      out += between + raw;
      continue;
    }
    const adjacent = run.length > 0 && /^\s*$/.test(between);
    if (adjacent && run[0]!.charset.toLowerCase() === charset.toLowerCase()) {
      run.push({ charset, bytes, raw });
      continue;
    }
    flush();
    if (!adjacent) out += between;
    run = [{ charset, bytes, raw }];
  }
  flush();
  return out + value.slice(last);
}

/** A header value as read: folding undone (RFC 5322 §2.2.3), encoded words decoded. */
export function readableHeader(value: string): string {
  return decodeEncodedWords(value.replace(/\r?\n(?=[ \t])/g, ''));
}
