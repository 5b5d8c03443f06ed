import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Where the built server is (dist/server), when mailsim runs from its TypeScript sources but a
 * build of the same sources is known to be current: the test suite builds dist/ before it runs
 * (test/helpers/global-setup.ts) and names it here. A thread booted through tsx costs ~0.9 s of
 * CPU against ~0.3 s for the built one, and the suite starts hundreds (the store's writer and
 * parsers, the auth, HTML and bcrypt checks).
 */
export const BUILT_THREADS_ENV = 'MAILSIM_BUILT_THREADS';

/** server/, from the sources or dist. */
const SERVER_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Starts a worker from a module of mailsim's. Built code loads the `.js` file; from the
 * TypeScript sources (tsx, vitest) the same file of the build when BUILT_THREADS_ENV names one,
 * else the thread registers tsx's loader first, which a worker does not inherit.
 */
export function spawnModule(entry: URL, resourceLimits: ResourceLimits, workerData?: unknown): Worker {
  const options = { workerData, resourceLimits };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const built = process.env[BUILT_THREADS_ENV];
  const path = fileURLToPath(entry);
  if (built && path.startsWith(SERVER_ROOT)) return new Worker(pathToFileURL(join(built, path.slice(SERVER_ROOT.length).replace(/\.ts$/, '.js'))), options);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/** `./name.ts` from sources, `./name.js` from dist. */
export const siblingModule = (base: string, name: string): URL => new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
