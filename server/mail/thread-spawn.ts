import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts one of the store's threads (the writer, a parser). Built code loads `<name>.js` directly;
 * when mailsim runs from its TypeScript sources (tsx, vitest) the thread first registers tsx's
 * loader, which a worker does not inherit from its parent.
 */
export function spawnThread(name: string, workerData: unknown, resourceLimits: ResourceLimits): Worker {
  const typescript = import.meta.url.endsWith('.ts');
  const entry = new URL(`./${name}.${typescript ? 'ts' : 'js'}`, import.meta.url);
  const options = { workerData, resourceLimits };
  if (!typescript) return new Worker(entry, options);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
