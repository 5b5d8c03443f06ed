import { convert } from 'html-to-text';

/**
 * How much of an HTML body is turned into text (for search, the snippet, and the Text of an
 * HTML-only message). html-to-text is linear in the input except in nesting depth, where its
 * parser (htmlparser2) is quadratic: 100 KiB of unclosed `<div>`s costs ~0.3 s on this machine.
 * Gmail clips HTML past 102 KB, so senders keep what matters within it.
 */
export const HTML_TEXT_LIMIT = 100 * 1024;

const OPTIONS = {
  // Without a depth limit its tree walk overflows the stack at ~25,000 nested elements.
  limits: { maxDepth: 256, maxInputLength: undefined },
};

/** The text of an HTML body (of its first HTML_TEXT_LIMIT characters). Throws on a tree html-to-text cannot walk. */
export function htmlText(html: string): string {
  if (!html) return '';
  return convert(html.length > HTML_TEXT_LIMIT ? html.slice(0, HTML_TEXT_LIMIT) : html, OPTIONS);
}
