import type { Address } from '../protocol.js';

/**
 * Message tags as Mailpit has them (config.ValidTagRegexp, tools.CleanTag): names of letters,
 * digits, `-`, `_`, `.`, `@` and spaces, so `X-Tags: user@example.com` keeps its address, at
 * most 100 characters. Anything else becomes a space, runs of spaces collapse, and the result
 * is trimmed and cut at 100; what is left empty is no tag. Tags compare case-insensitively.
 */
const INVALID = /[^a-zA-Z0-9\-_. @]/g;
const VALID = /^[a-zA-Z0-9\-_. @]{1,100}$/;
const MAX_LENGTH = 100;

export function cleanTag(text: string): string {
  return text.replace(INVALID, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_LENGTH).trim();
}

export function isValidTag(text: string): boolean {
  return VALID.test(text);
}

/** Cleaned, without empties or case-insensitive duplicates (the first spelling wins), sorted. */
export function uniqueTags(tags: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const raw of tags) {
    const tag = cleanTag(raw);
    if (tag && isValidTag(tag) && !seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  }
  return sortTags([...seen.values()]);
}

/** Case-insensitive order, the order SQLite's NOCASE collation lists them in. */
export function sortTags(tags: string[]): string[] {
  return tags.sort((a, b) => {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
}

/** `X-Tags: Tag 1, Tag 2` (every X-Tags header counts). */
export function headerTags(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(','));
}

/**
 * Plus addressing (sub-addressing), Mailpit's rule: in `name+a+b@domain` everything between the
 * first `+` and the next `@` is tags, split on `+`.
 */
export function plusAddressTags(addresses: readonly string[]): string[] {
  const tags: string[] = [];
  for (const address of addresses) {
    const plus = address.indexOf('+');
    const at = plus >= 0 ? address.indexOf('@', plus) : -1;
    if (at > plus) tags.push(...address.slice(plus + 1, at).split('+'));
  }
  return tags;
}

export type TagSource = 'x-tags' | 'plus-addresses' | 'username';

export interface TaggingOptions {
  /** Sources that are on; by default X-Tags and plus addresses, not the user name (as Mailpit). */
  sources: readonly TagSource[];
}

export interface TagInputs {
  xTags: readonly string[];
  from: Address | null;
  to: readonly Address[];
  cc: readonly Address[];
  /** Bcc, including envelope recipients not named in To or Cc. */
  bcc: readonly Address[];
  /** The authenticated SMTP user, "" when the client did not authenticate. */
  user: string;
}

/** The tags a new message gets, from the sources that are on. */
export function extractTags(input: TagInputs, options: TaggingOptions): string[] {
  const on = new Set(options.sources);
  const tags: string[] = [];
  if (on.has('x-tags')) tags.push(...headerTags(input.xTags));
  if (on.has('plus-addresses')) {
    const addresses = [input.from, ...input.to, ...input.cc, ...input.bcc].filter((a): a is Address => a !== null).map((a) => a.Address);
    tags.push(...plusAddressTags(addresses));
  }
  if (on.has('username') && input.user) tags.push(input.user);
  return uniqueTags(tags);
}
