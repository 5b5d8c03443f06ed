import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../server/cli/option-table.js';
import { envName } from '../server/cli/options.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('has exactly two set-up commands: install+start, and the test suite', () => {
    const setup = readme.slice(readme.indexOf('## Set-up'), readme.indexOf('\n## ', readme.indexOf('## Set-up') + 1));
    const commands = [...setup.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
    expect(commands).toEqual(['npm ci && npm start', 'npm test']);
    expect(readFileSync(new URL('../.ci/run', import.meta.url), 'utf8')).toMatch(/^npm test$/m);
  });

  it('documents every option with its variable and the default the CLI reports', () => {
    for (const option of OPTIONS) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`--${option.flag}`));
      expect(row, `README row for --${option.flag}`).toBeDefined();
      expect(row).toContain(`\`${envName(option.flag)}\``);
      expect(row).toContain(`| ${option.defaultText} |`);
    }
  });
});
