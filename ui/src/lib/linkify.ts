/** A piece of a text part: plain text, or a link the UI may make clickable. */
export type TextPiece = { text: string; href?: undefined } | { text: string; href: string };

// http(s) URLs and mailto: addresses; other schemes (javascript:, data:, file:) stay text.
const LINK = /\b(?:https?:\/\/[^\s<>"']+|mailto:[^\s<>"']+)/gi;
// Punctuation that usually ends the sentence, not the URL ("see https://x.org/a.").
const TRAILING = /[.,;:!?)\]}'"»]+$/;

/** Splits a text part into text and links; only http, https and mailto become links. */
export function linkify(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let url = match[0];
    const trailing = TRAILING.exec(url)?.[0] ?? '';
    // A closing parenthesis belongs to the URL when it opened one (Wikipedia's "Foo_(bar)").
    const keep = trailing.startsWith(')') && url.includes('(') ? 1 : 0;
    url = url.slice(0, url.length - trailing.length + keep);
    if (!isSafeHref(url)) continue;
    const start = match.index;
    if (start > last) pieces.push({ text: text.slice(last, start) });
    pieces.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

export function isSafeHref(href: string): boolean {
  try {
    const url = new URL(href);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) && (url.protocol === 'mailto:' || url.hostname !== '');
  } catch {
    return false;
  }
}
