import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * The browser tests run against the built UI (dist/ui, what mailsim serves). `npm ci` builds it;
 * this rebuilds it when the sources are newer, so a test run never checks a stale UI.
 */
export default async function setup(): Promise<void> {
  const index = join(ROOT, 'dist/ui/index.html');
  const sources = Math.max(newest(join(ROOT, 'ui')), statSync(join(ROOT, 'server/protocol.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'ui/vite.config.ts'), logLevel: 'warn' });
}
