import { type ParseResult, parseScenario } from './parse.js';
import { precompiledScenario } from './precompiled.js';

/** Enough for the built-ins and a user's directory; a process that reads more files re-parses the oldest. */
const MAX_FILES = 256;

const parsed = new Map<string, { text: string; result: ParseResult }>();

/**
 * parseScenario, remembered per file and content for the life of the process. Every start reads
 * the 18 built-in files again (a test process starts dozens of sims); YAML parsing and zod
 * validation of them cost ~0.6 s a start, rereading them nothing. Keyed by the text read, not
 * the modification time, so an edit (the ScenarioWatcher's reload) is always parsed afresh.
 * Each caller gets its own copy, as a fresh parse would give it: a registry may change its
 * scenarios (--seed) without touching another's. Scenarios are plain data (zod output, no class
 * instances), which structuredClone copies exactly. A file the build precompiled (precompiled.ts)
 * is not parsed even once.
 */
export function parseScenarioOnce(text: string, file: string): ParseResult {
  const known = parsed.get(file);
  if (known?.text === text) return structuredClone(known.result);
  const precompiled = precompiledScenario(file, text);
  const result: ParseResult = precompiled ? { ok: true, scenario: precompiled } : parseScenario(text, file);
  parsed.delete(file);
  parsed.set(file, { text, result });
  if (parsed.size > MAX_FILES) parsed.delete(parsed.keys().next().value!);
  return structuredClone(result);
}
