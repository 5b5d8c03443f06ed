import { basename, extname } from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import type { Scenario } from '../faults/schema.js';
import { validateScenario } from '../faults/validate.js';
import type { ScenarioError } from '../protocol.js';
import { SCENARIO_NAME, SCENARIO_NAME_RULE } from '../util/scenario-name.js';

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; error: ScenarioError };

/**
 * Reads one scenario file (YAML, or JSON, which is YAML too) and validates it, with the same
 * validation an inline upload gets. A failure names the file, the line and column, the field
 * path and what was expected, so that an editor user can go straight there.
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
  const result = validateScenario(data);
  if (!result.ok) {
    const { path, message, unknownField } = result.issue;
    const at = lines.linePos(nodeOffset(doc, path, unknownField === true));
    return fail(file, at.line, at.col, path.join('.'), message);
  }
  const name = result.value.name ?? basename(file, extname(file));
  if (!SCENARIO_NAME.test(name)) {
    return fail(file, 1, 1, 'name', `the file name "${basename(file)}" is not a valid scenario name; add name: with ${SCENARIO_NAME_RULE}`);
  }
  return { ok: true, scenario: { ...result.value, name } };
}

function fail(file: string, line: number, column: number, field: string, message: string): ParseResult {
  return { ok: false, error: { File: file, Line: line, Column: column, Field: field, Message: message } };
}

/** Walks down as far as the path exists; a missing field is reported at its parent. */
export function nodeOffset(doc: Document, path: (string | number)[], wantKey: boolean): number {
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
