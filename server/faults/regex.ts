import { RE2JS, RE2JSSyntaxException } from 're2js';

/**
 * Scenario regexes run on RE2 (re2js), never on JavaScript's backtracking RegExp: a scenario
 * author's `^(a+)+$` must not let one sender freeze every connection. RE2 matches in time linear
 * in the input, and refuses what cannot be matched that way (backreferences, lookaround).
 */
const WHY = 'mailsim matches regexes in linear time with RE2 syntax';

/** The schema's flags (a JavaScript-style subset) as re2js flags. */
const FLAGS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  // RE2 always matches by code point, which is what JavaScript's `u` asks for.
  u: 0,
};

/**
 * RE2 is linear in the input, but the constant is the program's size: where its DFA gives up
 * (`\pL{998}` against letters broken by a digit every 998 characters), each input character
 * steps every live NFA thread, about 30 ns each here. Address and subject patterns need tens of
 * instructions; the cap keeps the worst pattern at 0.8 s over the 16 KiB a matcher reads of a
 * header (when.ts) or an SMTP command line (smtp-server's limit), where an uncapped
 * 900-character pattern (`\pL{1000}` written out 100 times: 100,000 instructions) would take
 * close to a minute.
 */
export const MAX_PROGRAM_SIZE = 1000;

export interface LinearRegex {
  /** Unanchored, like RegExp.prototype.test; stateless, so one instance serves every rule. */
  test(value: string): boolean;
}

/** Compiled patterns by flags and source: validation and every engine compile the same ones. */
const cache = new Map<string, RE2JS>();
const CACHE_SIZE = 500;

function re2Flags(flags: string): number {
  let bits = 0;
  for (const flag of flags) {
    const bit = FLAGS[flag];
    if (bit === undefined) throw new SyntaxError(`unknown regex flag "${flag}" (use i, m, s or u)`);
    bits |= bit;
  }
  return bits;
}

/**
 * Compiles a scenario regex; throws a SyntaxError whose message says what RE2 refused. Globs
 * (glob.ts) pass no size limit: stars and literals never defeat the DFA.
 */
export function compileRegex(pattern: string, flags = 'i', maxProgramSize = MAX_PROGRAM_SIZE): LinearRegex {
  const compiled = compileCached(pattern, flags);
  const size = compiled.programSize();
  if (size > maxProgramSize) {
    throw new SyntaxError(`too large for a matcher: ${size} RE2 instructions, at most ${maxProgramSize} (use a list of smaller matchers, or fewer counted repeats)`);
  }
  return compiled;
}

function compileCached(pattern: string, flags: string): RE2JS {
  const key = `${flags}/${pattern}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const bits = re2Flags(flags);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, bits);
  } catch (error) {
    throw new SyntaxError(explainRefusal(pattern, error, bits !== 0), { cause: error });
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, compiled);
  return compiled;
}

/** Why a pattern cannot be used, or undefined if it can. */
export function regexProblem(pattern: string, flags = 'i'): string | undefined {
  try {
    compileRegex(pattern, flags);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * RE2's own wording ("invalid escape sequence: `\1`") does not tell a JavaScript user that the
 * feature is missing on purpose, so the two features people reach for get their own message.
 */
function explainRefusal(pattern: string, error: unknown, flagged: boolean): string {
  if (/\\[1-9]|\\k</.test(pattern)) return `backreferences are not supported (${WHY})`;
  if (/\(\?<?[=!]/.test(pattern)) return `lookahead and lookbehind are not supported (${WHY})`;
  if (!(error instanceof RE2JSSyntaxException)) return `not a valid RE2 regex: ${String((error as Error)?.message ?? error)} (${WHY})`;
  // re2js applies flags as a (?i) prefix and quotes it back: show what the author wrote.
  const input = flagged ? error.input?.replace(/^\(\?[ims]+\)/, '') : error.input;
  return `not a valid RE2 regex: ${error.getDescription()}${input ? `: \`${input}\`` : ''} (${WHY})`;
}
