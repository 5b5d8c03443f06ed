/** An SMTP reply as a person reads it: one code, one enhanced code, the text of every line. */
export interface ReplyText {
  code: number;
  enhanced: string | null;
  text: string;
}

const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?: +|$)/;

/**
 * Reads a reply as sent ("530-5.7.0 Must issue...\n530-5.7.0  https://...\n530 5.7.0 specs").
 * Every line of a multi-line reply repeats the code (RFC 5321 §4.2.1) and, with
 * ENHANCEDSTATUSCODES, the enhanced code (RFC 2034 §3); said once, the lines read as one text.
 */
export function parseReply(wire: string): ReplyText {
  const code = Number(wire.slice(0, 3));
  let enhanced: string | null = null;
  const texts: string[] = [];
  for (const line of wire.split('\n')) {
    let rest = line.replace(/\r$/, '').slice(4);
    const match = ENHANCED.exec(rest);
    if (match) {
      enhanced ??= match[1] ?? null;
      rest = rest.slice(match[0].length);
    }
    const trimmed = rest.trim();
    if (trimmed) texts.push(trimmed);
  }
  return { code, enhanced, text: texts.join(' ') };
}
