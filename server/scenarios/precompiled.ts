import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Scenario } from '../faults/schema.js';
import { packageRoot } from '../util/package-root.js';
import { parseScenario } from './parse.js';

/**
 * The built-in scenarios as parseScenario returns them, written by `npm run build`
 * (writePrecompiled). A process that starts mailsim (every CLI start,
 * every test file in a process of its own) otherwise parses and validates the 18 files cold:
 * ~0.4-1.5 s of YAML parsing, zod and ICU time zone loading, against ~1 ms to read this.
 * An entry is used only for a file whose name and text are the ones it was made from (a valid
 * scenario depends on nothing else), so an edited or stale file is parsed as before; a test
 * checks the build's file against a fresh parse of every built-in.
 */
export const PRECOMPILED_FILE = join(packageRoot(), 'dist/server/scenarios/builtin-scenarios.json');

interface Precompiled {
  format: 1;
  /** `<file name>:<sha256 of its text>` → the valid scenario parsed from it. */
  scenarios: Record<string, Scenario>;
}

const key = (file: string, text: string) => `${basename(file)}:${createHash('sha256').update(text).digest('hex')}`;

let loaded: Precompiled['scenarios'] | undefined;

/** The scenario precompiled for this file name and text, if the build made one; a copy the caller may change. */
export function precompiledScenario(file: string, text: string): Scenario | undefined {
  loaded ??= readPrecompiled(PRECOMPILED_FILE);
  const json = loaded[key(file, text)];
  return json && structuredClone(json);
}

function readPrecompiled(path: string): Precompiled['scenarios'] {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Precompiled;
    return data.format === 1 ? data.scenarios : {};
  } catch {
    // No build (running from sources) or an unreadable file: every file is parsed.
    return {};
  }
}

/** Parses each file; keeps the valid ones whose JSON form is exactly what parseScenario gave. */
export function precompile(files: string[]): Precompiled {
  const scenarios: Record<string, Scenario> = {};
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const result = parseScenario(text, file);
    if (result.ok && isDeepStrictEqual(JSON.parse(JSON.stringify(result.scenario)), result.scenario)) scenarios[key(file, text)] = result.scenario;
  }
  return { format: 1, scenarios };
}

/** The build step (package.json "build"): precompiles every built-in file into PRECOMPILED_FILE. */
export async function writePrecompiled(): Promise<void> {
  const { scenarioFiles } = await import('./registry.js');
  const dir = join(packageRoot(), 'scenarios');
  writeFileSync(PRECOMPILED_FILE, JSON.stringify(precompile(scenarioFiles(dir).map((file) => join(dir, file)))));
}
