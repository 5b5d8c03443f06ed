import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts a worker from a module next to the caller. Built code loads the `.js` file; from the
 * TypeScript sources (tsx, vitest) the thread registers tsx's loader first, which a worker does
 * not inherit (as server/mail/thread-spawn.ts does for the store's threads).
 */
export function spawnModule(entry: URL, resourceLimits: ResourceLimits, workerData?: unknown): Worker {
  const options = { workerData, resourceLimits };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/** `./name.ts` from sources, `./name.js` from dist. */
export const siblingModule = (base: string, name: string): URL => new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
