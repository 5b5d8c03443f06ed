import { ADDRESS_LIST_LIMITS, addressList } from './address-list.js';
import { compileAuthCondition } from './auth-facts.js';
import type { FaultContext } from './context.js';
import { compileClientMatchers, compileMatchers, type StringTest } from './matcher.js';
import type { Match, When } from './schema.js';

export type WhenTest = (ctx: FaultContext) => boolean;
type Check = (ctx: FaultContext) => boolean;

/** All values of a header, whatever case the adapter stored its name in: field names compare case-insensitively. */
export function headerValues(headers: Record<string, string[]>, name: string): string[] {
  const wanted = name.toLowerCase();
  return Object.entries(headers).flatMap(([key, values]) => (key.toLowerCase() === wanted ? values : []));
}

/**
 * How much of one header a `subject` or `header` matcher reads: 16 KiB of its values, in order
 * (a longer value is cut there). RE2's cost is the input times the pattern's size (regex.ts),
 * and a subject of 256 KiB, or 10,000 headers of one name, is nothing a provider would read.
 */
export const HEADER_MATCH_CHARS = 16 * 1024;

export function boundedValues(values: string[], budget = HEADER_MATCH_CHARS): string[] {
  const taken: string[] = [];
  let left = budget;
  for (const value of values) {
    if (left <= 0) break;
    taken.push(value.length <= left ? value : value.slice(0, left));
    left -= value.length;
  }
  return taken;
}

/** At RCPT the recipient being decided; in the DATA phases any recipient of the transaction. */
export function recipientsOf(ctx: FaultContext): string[] {
  if (ctx.phase === 'rcpt') return ctx.recipient === undefined ? [] : [ctx.recipient];
  return ctx.recipient === undefined ? ctx.recipients : [ctx.recipient];
}

/**
 * The addresses in the From header: "Name <a@b>" gives a@b; several are comma-separated.
 * Linear and bounded (address-list.ts): the first 100 addresses within the first 16 KiB of From
 * (over all its values, should a message carry several).
 */
export function fromAddresses(ctx: FaultContext): string[] {
  if (!ctx.message) return [];
  const addresses: string[] = [];
  let chars = ADDRESS_LIST_LIMITS.chars;
  for (const value of headerValues(ctx.message.headers, 'from')) {
    if (chars <= 0 || addresses.length >= ADDRESS_LIST_LIMITS.addresses) break;
    addresses.push(...addressList(value, { chars, addresses: ADDRESS_LIST_LIMITS.addresses - addresses.length }));
    chars -= value.length;
  }
  return addresses;
}

/** Microsoft 365's SendAs check: the From (end of DATA) or MAIL FROM (MAIL) is someone else. */
function fromIsNotUser(ctx: FaultContext): boolean {
  const user = ctx.session.user.toLowerCase();
  if (user === '') return false;
  const from = ctx.phase === 'mail' ? (ctx.sender === undefined ? [] : [ctx.sender]) : fromAddresses(ctx);
  return from.length > 0 && from.some((address) => address.toLowerCase() !== user);
}

/** SIZE= at MAIL (RFC 1870), the received size at the end of DATA. */
function sizeOf(ctx: FaultContext): number | undefined {
  return ctx.message?.size ?? ctx.announcedSize;
}

const someMatch = (test: StringTest, values: string[]): boolean => values.some(test);

function stringChecks(when: Match): Check[] {
  const checks: Check[] = [];
  if (when.sender !== undefined) {
    const test = compileMatchers(when.sender);
    // '' is the null sender (RFC 5321 §4.5.5), a real value; undefined is "no MAIL yet".
    checks.push((ctx) => ctx.sender !== undefined && test(ctx.sender));
  }
  if (when.recipient !== undefined) {
    const test = compileMatchers(when.recipient);
    checks.push((ctx) => someMatch(test, recipientsOf(ctx)));
  }
  if (when.user !== undefined) {
    const test = compileMatchers(when.user);
    // At AUTH the session has no user yet: the one logging in is the one to match.
    checks.push((ctx) => {
      const user = ctx.auth?.user ?? ctx.session.user;
      return user !== '' && test(user);
    });
  }
  if (when.client !== undefined) {
    const test = compileClientMatchers(when.client);
    checks.push((ctx) => test(ctx.session.clientAddress));
  }
  if (when.helo !== undefined) {
    const test = compileMatchers(when.helo);
    checks.push((ctx) => ctx.session.helo !== '' && test(ctx.session.helo));
  }
  if (when.password !== undefined) {
    const test = compileMatchers(when.password);
    // CRAM-MD5 never reveals the password: such a rule cannot match it.
    checks.push((ctx) => ctx.auth?.password !== undefined && test(ctx.auth.password));
  }
  return checks;
}

function messageChecks(when: Match): Check[] {
  const checks: Check[] = [];
  if (when.subject !== undefined) {
    const test = compileMatchers(when.subject);
    checks.push((ctx) => ctx.message !== undefined && someMatch(test, boundedValues(headerValues(ctx.message.headers, 'subject'))));
  }
  if (when.header !== undefined) {
    const { name, value } = when.header;
    const test = value === undefined ? () => true : compileMatchers(value);
    checks.push((ctx) => ctx.message !== undefined && someMatch(test, boundedValues(headerValues(ctx.message.headers, name))));
  }
  if (when.from !== undefined) {
    const test = compileMatchers(when.from);
    checks.push((ctx) => someMatch(test, fromAddresses(ctx)));
  }
  if (when.size !== undefined) {
    const { min = 0, max = Infinity } = when.size;
    checks.push((ctx) => {
      const size = sizeOf(ctx);
      return size !== undefined && size >= min && size <= max;
    });
  }
  if (when.auth !== undefined) {
    const test = compileAuthCondition(when.auth);
    checks.push((ctx) => test(ctx.authResults));
  }
  return checks;
}

function sessionChecks(when: Match): Check[] {
  const checks: Check[] = [];
  const { authenticated, secure, fromNotUser } = when;
  if (authenticated !== undefined) checks.push((ctx) => (ctx.session.user !== '') === authenticated);
  if (secure !== undefined) checks.push((ctx) => ctx.session.secure === secure);
  if (fromNotUser !== undefined) checks.push((ctx) => fromIsNotUser(ctx) === fromNotUser);
  return checks;
}

/** Compiles conditions once (regexes included); every given matcher must hold. */
export function compileMatch(match: Match): WhenTest {
  const checks = [...stringChecks(match), ...messageChecks(match), ...sessionChecks(match)];
  return (ctx) => checks.every((check) => check(ctx));
}

/** A rule's `when`: its phase, then its conditions. */
export function compileWhen(when: When): WhenTest {
  const conditions = compileMatch(when);
  return (ctx) => ctx.phase === when.phase && conditions(ctx);
}
