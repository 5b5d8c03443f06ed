/**
 * Globs as scenario authors write them for addresses and names: `*` any run (also empty), `?`
 * exactly one character, everything else literal; case-insensitive because the domain part of
 * an address is (RFC 5321 §2.4) and providers treat local parts that way too. Anchored.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'isu');
}
