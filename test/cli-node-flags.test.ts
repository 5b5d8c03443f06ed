import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The node flags of the bin's `#!/usr/bin/env -S node ...` line (server/cli/main.ts). */
function binFlags(): string[] {
  const shebang = readFileSync('server/cli/main.ts', 'utf8').split('\n', 1)[0] ?? '';
  return /^#!\/usr\/bin\/env -S node (.*)$/.exec(shebang)?.[1]?.split(/\s+/).filter(Boolean) ?? [];
}

/**
 * The V8 flags that bound mailsim's memory (issue 14: peak RSS) ride on the bin's shebang, which
 * the tests' `node dist/server/cli/main.js` never reads: a flag node does not know would stop the
 * installed `mailsim` from starting ("bad option", exit 9) with every test still passing.
 */
describe("the bin's node flags", () => {
  it('are flags this node accepts, and the ones npm start passes', () => {
    const flags = binFlags();
    expect(flags).toEqual(expect.arrayContaining(['--max-semi-space-size=2', '--heap-growing-percent=25']));
    const run = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write(JSON.stringify(process.execArgv))'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as string[]).slice(0, flags.length)).toEqual(flags);
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(`node ${flags.join(' ')} dist/server/cli/main.js`);
  });
});
