import { RE2JS } from 're2js';
import { compileRegex, type LinearRegex } from './regex.js';

/**
 * Globs as scenario authors write them for addresses and names: `*` any run (also empty), `?`
 * exactly one character, everything else literal; case-insensitive because the domain part of
 * an address is (RFC 5321 §2.4) and providers treat local parts that way too. Anchored.
 *
 * Compiled to RE2 rather than to a JavaScript RegExp: `*a*a*a*…b` backtracks polynomially in
 * the number of stars on a backtracking engine, and linearly on RE2.
 */
export function compileGlob(glob: string): LinearRegex {
  const source = glob.replace(/[*?]|[^*?]+/gu, (part) => (part === '*' ? '.*' : part === '?' ? '.' : RE2JS.quote(part)));
  return compileRegex(`^${source}$`, 'is', Infinity);
}
