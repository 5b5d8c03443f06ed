import { isValidTimeZone } from '../util/time-zone.js';
import { durationMs } from './duration-ms.js';
import { regexesOf } from './matcher.js';
import { regexProblem } from './regex.js';
import type { DurationInput, Match, MatcherList, Scenario } from './schema.js';

/** A problem and the path of the field it is about, so a loader can point at the file's line. */
export interface Problem {
  path: (string | number)[];
  message: string;
}

/**
 * What the zod schema cannot see: regexes that do not compile, unknown time zones, zero-length
 * windows. The scenario loader reports these per file; the engine refuses to start with any.
 */
export function findProblems(scenario: Scenario): Problem[] {
  const problems: Problem[] = [];
  scenario.rules.forEach((rule, i) => {
    problems.push(...matchProblems(rule.when, ['rules', i, 'when']));
    const window = rule.select?.window;
    if (window) problems.push(...timeZoneProblems(window.timeZone ?? 'UTC', ['rules', i, 'select', 'window', 'timeZone']));
    if (rule.action.delay !== undefined) problems.push(...durationProblems(rule.action.delay, ['rules', i, 'action', 'delay'], false));
  });
  scenario.limits.forEach((limit, i) => {
    if (limit.match) problems.push(...matchProblems(limit.match, ['limits', i, 'match']));
    if (limit.kind === 'messages' || limit.kind === 'connections') {
      const { window } = limit;
      if ('rolling' in window) problems.push(...durationProblems(window.rolling, ['limits', i, 'window', 'rolling'], true));
      else {
        problems.push(...durationProblems(window.fixed, ['limits', i, 'window', 'fixed'], true));
        problems.push(...timeZoneProblems(window.timeZone ?? 'UTC', ['limits', i, 'window', 'timeZone']));
      }
    }
    if (limit.kind === 'greylist') {
      problems.push(...durationProblems(limit.delay, ['limits', i, 'delay'], false), ...durationProblems(limit.forget, ['limits', i, 'forget'], false));
    }
  });
  problems.push(...durationProblems(scenario.persona.auth.failureDelay, ['persona', 'auth', 'failureDelay'], false));
  return problems;
}

/** "rules[1] (slow).select.window.timeZone: unknown time zone ..." — the engine's error text. */
export function scenarioProblems(scenario: Scenario): string[] {
  return findProblems(scenario).map(({ path, message }) => `${describePath(scenario, path)}: ${message}`);
}

function describePath(scenario: Scenario, path: (string | number)[]): string {
  const [list, index, ...rest] = path;
  if ((list === 'rules' || list === 'limits') && typeof index === 'number') {
    const name = list === 'rules' ? scenario.rules[index]?.name : scenario.limits[index]?.name;
    return [`${list}[${index}]${name ? ` (${name})` : ''}`, ...rest].join('.');
  }
  return path.join('.');
}

function matchProblems(match: Match, at: (string | number)[]): Problem[] {
  const lists: [string, MatcherList | undefined][] = [
    ['sender', match.sender],
    ['recipient', match.recipient],
    ['user', match.user],
    ['client', match.client],
    ['helo', match.helo],
    ['subject', match.subject],
    ['from', match.from],
    ['password', match.password],
    ['header', match.header?.value],
  ];
  return lists.flatMap(([field, list]) =>
    (list === undefined ? [] : regexesOf(list)).flatMap((matcher) => {
      const message = regexProblem(matcher.regex, matcher.flags ?? 'i');
      return message === undefined ? [] : [{ path: [...at, field, 'regex'], message }];
    }),
  );
}

function timeZoneProblems(timeZone: string, path: (string | number)[]): Problem[] {
  return isValidTimeZone(timeZone) ? [] : [{ path, message: `unknown time zone ${JSON.stringify(timeZone)}` }];
}

function durationProblems(value: DurationInput, path: (string | number)[], positive: boolean): Problem[] {
  try {
    const ms = durationMs(value);
    return positive && ms <= 0 ? [{ path, message: 'must be longer than zero' }] : [];
  } catch {
    return [{ path, message: `not a duration: ${JSON.stringify(value)}` }];
  }
}
