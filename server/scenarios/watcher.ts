import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { SCENARIO_FILE, type ScenarioRegistry } from './registry.js';

/** Editors save in bursts (write, rename, chmod); one reload per burst is enough. */
const SETTLE_MS = 60;

/**
 * Reloads scenario files when they change on disk. New sessions pick the new version up; an
 * invalid edit leaves the previous version running and is reported by the registry.
 */
export class ScenarioWatcher {
  readonly #watchers: FSWatcher[] = [];
  readonly #pending = new Map<string, NodeJS.Timeout>();

  constructor(registry: ScenarioRegistry, dirs: string[], report: (message: string) => void) {
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, (_event, name) => {
          if (!name || !SCENARIO_FILE.test(name)) return;
          const file = join(dir, name);
          clearTimeout(this.#pending.get(file));
          this.#pending.set(
            file,
            setTimeout(() => {
              this.#pending.delete(file);
              registry.load(file);
            }, SETTLE_MS),
          );
        });
        watcher.on('error', (error) => report(`watching ${dir}: ${error.message}`));
        this.#watchers.push(watcher);
      } catch (error) {
        report(`cannot watch ${dir} for changes: ${(error as Error).message}`);
      }
    }
  }

  close(): void {
    for (const watcher of this.#watchers) watcher.close();
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }
}
