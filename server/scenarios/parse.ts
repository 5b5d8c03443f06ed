import { basename, extname } from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { findProblems } from '../faults/problems.js';
import { type Scenario, scenarioSchema } from '../faults/schema.js';
import type { ScenarioError } from '../protocol.js';

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; error: ScenarioError };

/**
 * Reads one scenario file (YAML, or JSON, which is YAML too) and validates it. A failure names
 * the file, the line and column, the field path and what was expected, so that an editor user
 * can go straight there.
 */
export function parseScenario(text: string, file: string): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const at = lines.linePos(syntax.pos[0]);
    return fail(file, at.line, at.col, '', syntax.message.split('\n')[0] ?? 'invalid YAML');
  }
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) return fail(file, 1, 1, '', 'a scenario file holds one mapping (name:, persona:, rules:, limits:)');
  // reportInput: zod 4 leaves the offending value out of issues unless asked ("got ...").
  const result = scenarioSchema.safeParse(data, { reportInput: true });
  if (!result.success) return fail(file, ...locate(doc, lines, result.error.issues[0]!));
  const name = result.data.name ?? basename(file, extname(file));
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    return fail(file, 1, 1, 'name', `the file name "${basename(file)}" is not a valid scenario name; add name: with lower-case letters, digits and dashes`);
  }
  const scenario = { ...result.data, name };
  // What zod cannot check (regexes that do not compile, unknown time zones): at load, not mid-session.
  const problem = findProblems(scenario)[0];
  if (problem) {
    const at = lines.linePos(nodeOffset(doc, problem.path, false));
    return fail(file, at.line, at.col, problem.path.join('.'), problem.message);
  }
  return { ok: true, scenario };
}

function fail(file: string, line: number, column: number, field: string, message: string): ParseResult {
  return { ok: false, error: { File: file, Line: line, Column: column, Field: field, Message: message } };
}

type Issue = z.core.$ZodIssue;

/** Finds the YAML node a zod issue is about: the offending value, or the key of an unknown field. */
function locate(doc: Document, lines: LineCounter, issue: Issue): [number, number, string, string] {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const nodePath = keys.length ? [...path, keys[0]!] : path;
  const offset = nodeOffset(doc, nodePath, keys.length > 0);
  const at = lines.linePos(offset);
  return [at.line, at.col, nodePath.join('.'), explain(issue)];
}

/** Walks down as far as the path exists; a missing field is reported at its parent. */
function nodeOffset(doc: Document, path: (string | number)[], wantKey: boolean): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    if (wantKey && depth === path.length) {
      const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((item) => (item.key as { value?: unknown })?.value === prefix.at(-1));
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range) return range[0];
      }
      continue;
    }
    const node = prefix.length ? doc.getIn(prefix, true) : doc.contents;
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) return range[0];
  }
  return 0;
}

function explain(issue: Issue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field "${issue.keys.join('", "')}"`;
    case 'invalid_union': {
      const nested = issue.errors.flat()[0];
      return nested ? explain(nested) : 'does not match any of the accepted forms';
    }
    case 'invalid_type':
      return issue.input === undefined ? `required field is missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${describe(issue.input)}`;
    default:
      return issue.message;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  return typeof value === 'object' ? 'a mapping' : String(value);
}
