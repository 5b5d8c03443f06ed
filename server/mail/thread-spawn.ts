import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Where the built threads are, when mailsim runs from its TypeScript sources but a build of the
 * same sources is known to be current: the test suite builds dist/ before it runs
 * (test/helpers/global-setup.ts) and names dist/server/mail here. A thread booted through tsx
 * costs ~0.9 s of CPU against ~0.3 s for the built one, and the suite starts hundreds.
 */
export const BUILT_THREADS_ENV = 'MAILSIM_BUILT_THREADS';

/**
 * Starts one of the store's threads (the writer, a parser). Built code loads `<name>.js` directly;
 * when mailsim runs from its TypeScript sources (tsx, vitest) the thread first registers tsx's
 * loader, which a worker does not inherit from its parent, unless BUILT_THREADS_ENV says where
 * the built threads are.
 */
export function spawnThread(name: string, workerData: unknown, resourceLimits: ResourceLimits): Worker {
  const typescript = import.meta.url.endsWith('.ts');
  const built = process.env[BUILT_THREADS_ENV];
  const options = { workerData, resourceLimits };
  if (typescript && built) return new Worker(pathToFileURL(join(built, `${name}.js`)), options);
  const entry = new URL(`./${name}.${typescript ? 'ts' : 'js'}`, import.meta.url);
  if (!typescript) return new Worker(entry, options);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
