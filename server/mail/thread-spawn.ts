import type { ResourceLimits, Worker } from 'node:worker_threads';
import { siblingModule, spawnModule } from '../util/spawn-thread.js';

/** Starts one of the store's threads (the writer, a parser, the checkpoint) from this folder (util/spawn-thread.ts). */
export function spawnThread(name: string, workerData: unknown, resourceLimits: ResourceLimits): Worker {
  return spawnModule(siblingModule(import.meta.url, name), resourceLimits, workerData);
}
