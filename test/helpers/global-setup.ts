import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_THREADS_ENV } from '../../server/util/spawn-thread.js';
import { Certificates } from '../../server/tls/certificates.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The newest modification time of the files (and directories, for deletions) under `paths`. */
function newest(...paths: string[]): number {
  let latest = 0;
  for (const path of paths) {
    const stat = statSync(path);
    latest = Math.max(latest, stat.mtimeMs);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

function builtAt(file: string): number {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

/**
 * The CLI tests run the built CLI (dist/server), as users do: starting it through tsx costs ~3 s
 * a process against ~1 s. `tsc` runs only when a source is newer than the last build, and then
 * incrementally (tsconfig.build.json keeps its build info in dist/).
 */
async function buildServer(): Promise<void> {
  const info = join(ROOT, 'dist/server.tsbuildinfo');
  const sources = newest(join(ROOT, 'server'), join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.build.json'));
  if (existsSync(join(ROOT, 'dist/server/cli/main.js')) && builtAt(info) >= sources) return;
  // What the build saw is the sources as they were when it started: a file saved during the
  // build is newer than this, and the next run builds again.
  const started = new Date();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tsc -p tsconfig.build.json failed:\n${stdout}${stderr}`));
      else resolve();
    });
  });
  // tsc leaves the build info alone when nothing changed (a touched file): mark this check done.
  utimesSync(info, started, started);
}

/**
 * The browser tests run against the built UI (dist/ui, what mailsim serves). `npm ci` builds it;
 * this rebuilds it when the sources are newer, so a test run never checks a stale UI.
 */
async function buildUi(): Promise<void> {
  const sources = newest(join(ROOT, 'ui'), join(ROOT, 'server/protocol.ts'));
  if (builtAt(join(ROOT, 'dist/ui/index.html')) >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'ui/vite.config.ts'), logLevel: 'warn' });
}

/**
 * Once per `vitest run`: brings dist/ up to date, and gives the run a scratch directory of its own.
 * Test workers and the processes they start inherit TMPDIR, so every os.tmpdir() directory
 * (each worker's CA in TEST_TLS_DIR, data directories, client scratch files) lands inside it,
 * and the teardown removes it whatever the tests left behind.
 */
export default async function setup(): Promise<() => void> {
  const scratch = mkdtempSync(join(tmpdir(), 'mailsim-test-'));
  // Searchable, not listable, by others: clients that drop privileges (getmail delivers as
  // `nobody` when run as root) must reach the directories the tests give them inside it.
  chmodSync(scratch, 0o711);
  process.env.TMPDIR = scratch;
  const { TLS_TEMPLATE, TEMPLATE_NAMES } = await import('./dirs.js');
  await Promise.all([buildServer(), buildUi(), Certificates.open(TLS_TEMPLATE, [...TEMPLATE_NAMES, hostname()])]);
  // mailsim's threads load the build just brought up to date instead of booting tsx each
  // (MAILSIM_BUILT_THREADS= empty: through tsx, from the sources).
  process.env[BUILT_THREADS_ENV] ??= join(ROOT, 'dist/server');
  return () => rmSync(scratch, { recursive: true, force: true });
}
