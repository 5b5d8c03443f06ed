import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Scenario } from '../faults/schema.js';
import { validateScenario, type ValidationIssue } from '../faults/validate.js';
import type { ScenarioError, ScenarioInfo } from '../protocol.js';
import { parseScenarioOnce } from './parse-cache.js';

type Source = ScenarioInfo['Source'];

interface Entry {
  source: Source;
  file: string | null;
  /** The last valid version: it keeps running while a newer edit is broken. */
  scenario: Scenario | undefined;
  error: ScenarioError | null;
}

export const SCENARIO_FILE = /\.(ya?ml|json)$/i;

export type InlineResult = { ok: true; name: string } | { ok: false; issue: ValidationIssue };

/**
 * Every scenario mailsim knows: the built-in profiles, the user's directory (same names override
 * the built-ins) and scenarios uploaded through the API. Files are re-read on change; an invalid
 * edit is reported and the previous valid version stays active.
 */
export class ScenarioRegistry {
  readonly #entries = new Map<string, Entry>();
  /** file path → scenario name, so a reload finds the entry even after the name changed. */
  readonly #files = new Map<string, string>();
  readonly #listeners = new Set<(info: ScenarioInfo) => void>();
  #inline = 0;

  constructor(
    private readonly dirs: { builtin: string; user?: string },
    /** --seed: replaces every scenario's seed, so one run's random faults can be repeated. */
    private readonly seed?: number,
  ) {}

  /** Reads every scenario file of both directories (the built-ins first, so the user's win). */
  loadFiles(): void {
    for (const [dir, source] of [[this.dirs.builtin, 'builtin'], [this.dirs.user, 'user']] as const) {
      if (dir) for (const file of scenarioFiles(dir)) this.load(join(dir, file), source);
    }
  }

  onChange(listener: (info: ScenarioInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get(name: string): Scenario | undefined {
    return this.#entries.get(name)?.scenario;
  }

  has(name: string): boolean {
    return this.#entries.get(name)?.scenario !== undefined;
  }

  names(): string[] {
    return [...this.#entries.keys()].filter((name) => this.has(name)).sort();
  }

  list(): ScenarioInfo[] {
    return [...this.#entries.keys()].sort().map((name) => this.info(name)!);
  }

  info(name: string): ScenarioInfo | undefined {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    return {
      Name: name,
      Description: entry.scenario?.description ?? '',
      Notes: entry.scenario?.notes ?? '',
      Source: entry.source,
      File: entry.file,
      Valid: entry.error === null,
      Error: entry.error,
    };
  }

  /** (Re)reads a file; returns the error if it is invalid. */
  load(file: string, source: Source = this.#sourceOf(file)): ScenarioError | null {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return this.#fileGone(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file was deleted' : (error as Error).message);
    }
    const result = parseScenarioOnce(text, file);
    if (result.ok && this.seed !== undefined) result.scenario.seed = this.seed;
    const name = result.ok ? result.scenario.name : (this.#files.get(file) ?? basename(file, extname(file)));
    const existing = this.#entries.get(name);
    const clash = existing && existing.file !== file ? precedence(existing.source, source) : 'replace';
    if (clash === 'ignore') return null;
    if (clash === 'duplicate') {
      const error: ScenarioError = { File: file, Line: 1, Column: 1, Field: 'name', Message: `scenario "${name}" is already defined in ${existing?.file}` };
      this.#entries.set(`${name}@${file}`, { source, file, scenario: undefined, error });
      this.#emit(`${name}@${file}`);
      return error;
    }
    this.#files.set(file, name);
    this.#entries.set(name, {
      source,
      file,
      scenario: result.ok ? result.scenario : existing?.file === file ? existing.scenario : undefined,
      error: result.ok ? null : result.error,
    });
    this.#emit(name);
    return result.ok ? null : result.error;
  }

  /**
   * Uploaded through the API: validated exactly as a file is (parse.ts and this share
   * validateScenario), and registered only if valid, so an invalid upload never replaces a
   * working scenario nor is listed as valid. Replaces an inline scenario of the same name.
   */
  addInline(definition: unknown): InlineResult {
    const result = validateScenario(definition);
    if (!result.ok) return { ok: false, issue: result.issue };
    const name = result.value.name ?? `inline-${++this.#inline}`;
    const existing = this.#entries.get(name);
    if (existing && existing.source !== 'inline') {
      return { ok: false, issue: { path: ['name'], message: `a scenario named "${name}" already exists (${existing.source}); choose another name` } };
    }
    const scenario: Scenario = { ...result.value, name, ...(this.seed !== undefined && { seed: this.seed }) };
    this.#entries.set(name, { source: 'inline', file: null, scenario, error: null });
    this.#emit(name);
    return { ok: true, name };
  }

  #fileGone(file: string, message: string): ScenarioError {
    const name = this.#files.get(file) ?? basename(file, extname(file));
    const entry = this.#entries.get(name);
    const error = { File: file, Line: 1, Column: 1, Field: '', Message: `${message}; the last valid version stays active` };
    if (entry) {
      entry.error = error;
      this.#emit(name);
    }
    return error;
  }

  #sourceOf(file: string): Source {
    return this.dirs.user && file.startsWith(this.dirs.user) ? 'user' : 'builtin';
  }

  #emit(name: string): void {
    const info = this.info(name);
    if (info) for (const listener of this.#listeners) listener(info);
  }
}

/** A user's file overrides a built-in of the same name; two files of one kind may not share a name. */
function precedence(existing: Source, incoming: Source): 'replace' | 'ignore' | 'duplicate' {
  if (existing === 'builtin' && incoming === 'user') return 'replace';
  if (existing === 'user' && incoming === 'builtin') return 'ignore';
  return 'duplicate';
}

export function scenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => SCENARIO_FILE.test(file))
    .sort();
}
