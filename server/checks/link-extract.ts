import { Parser } from 'htmlparser2';

/** Mailpit checks at most this many distinct links per message (internal/linkcheck). */
export const MAX_LINKS = 100;
/**
 * How much of the HTML and of the text is scanned for links. htmlparser2 runs on the event
 * loop here; 1 MiB takes a few milliseconds, and a link past it in a bigger body is not checked.
 */
export const SCAN_BYTES = 1024 * 1024;

const HTTP_URL = /^https?:\/\/[-\w@:%_+'!.~#?,&/=;]+/i;
/** Mailpit's text patterns: a bare URL, or one in angle brackets (which may wrap lines). */
const TEXT_URL = /(?:^|[^<])\b(https?:\/\/[-\w@:%_+'!.~#?,&/=;]+)/gim;
const BRACKET_URL = /<(https?:\/\/[-\w@:%_+'!.~#?,&/=;][^>]+)>/gim;

/**
 * The http(s) links of a message as Mailpit collects them: `a[href]`, stylesheet `link[href]` and
 * `img[src]` in the HTML (parsed with htmlparser2), then URLs in the text; each once, at most 100.
 */
export function extractLinks(html: string, text: string): string[] {
  // Mailpit's order: every a[href], then stylesheet links, then images (one selector at a time).
  const found: Record<'a' | 'link' | 'img', string[]> = { a: [], link: [], img: [] };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const value = name === 'a' ? attributes.href : name === 'img' ? attributes.src : name === 'link' && /(^|\s)stylesheet(\s|$)/i.test(attributes.rel ?? '') ? attributes.href : undefined;
        const trimmed = value?.trim();
        if (trimmed && HTTP_URL.test(trimmed) && found[name as 'a'].length < MAX_LINKS) found[name as 'a'].push(trimmed);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html.slice(0, SCAN_BYTES));
  parser.end();
  const links = new Set<string>();
  const add = (link: string) => {
    if (links.size < MAX_LINKS) links.add(link);
  };
  for (const link of [...found.a, ...found.link, ...found.img]) add(link);
  const body = text.slice(0, SCAN_BYTES);
  for (const match of body.matchAll(TEXT_URL)) add(match[1]!);
  for (const match of body.matchAll(BRACKET_URL)) add(match[1]!.replace(/\n/g, ''));
  return [...links];
}
