import { afterEach } from 'vitest';
import { spawnMailsim, type Spawned } from './spawn.js';

/**
 * A `start` for the CLI tests of one file: runs the built CLI (spawnMailsim) and kills every
 * process a test started once that test is over, passed or failed (call it at the top level).
 */
export function spawnedPerTest(): (args: string[], env?: NodeJS.ProcessEnv) => Promise<Spawned> {
  const running: Spawned[] = [];
  afterEach(() => {
    for (const proc of running.splice(0)) proc.child.kill('SIGKILL');
  });
  return async (args, env = {}) => {
    const proc = await spawnMailsim(args, env);
    running.push(proc);
    return proc;
  };
}
