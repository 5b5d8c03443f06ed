import { compileGlob } from './glob.js';
import { normaliseAddress, parseCidr } from './ip-address.js';
import { compileRegex } from './regex.js';
import type { Matcher, MatcherList } from './schema.js';

export type StringTest = (value: string) => boolean;

function asList(list: MatcherList): Matcher[] {
  return Array.isArray(list) ? list : [list];
}

function compileOne(matcher: Matcher): StringTest {
  if (typeof matcher === 'string') {
    const glob = compileGlob(matcher);
    return (value) => glob.test(value);
  }
  if ('not' in matcher) {
    const inner = compileMatchers(matcher.not);
    return (value) => !inner(value);
  }
  // RE2, not RegExp: a user's pattern must match in linear time (see regex.ts).
  const regex = compileRegex(matcher.regex, matcher.flags ?? 'i');
  return (value) => regex.test(value);
}

/** Compiled once per rule; a list matches if any of its items does. */
export function compileMatchers(list: MatcherList): StringTest {
  const tests = asList(list).map(compileOne);
  return (value) => tests.some((test) => test(value));
}

/** Like compileMatchers, but strings may be CIDR blocks and addresses are normalised first. */
export function compileClientMatchers(list: MatcherList): StringTest {
  const tests = asList(list).map((matcher): StringTest => {
    const cidr = typeof matcher === 'string' ? parseCidr(matcher) : undefined;
    if (cidr) return cidr;
    // A glob written for the mapped form (::ffff:10.0.0.*) matches the IPv4 form we compare.
    const test = compileOne(typeof matcher === 'string' ? matcher.replace(/^::ffff:(?=[\d*?.]+$)/i, '') : matcher);
    return (value) => test(normaliseAddress(value));
  });
  return (value) => tests.some((test) => test(value));
}
