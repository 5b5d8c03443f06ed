import { readFileSync } from 'node:fs';
import { scenarioJsonSchema } from './scenarios/json-schema.js';
import { parseScenario } from './scenarios/parse.js';

/** `mailsim validate FILE...`: exit 0 when every file is a valid scenario, 1 otherwise. */
export function validateCommand(files: string[], out: (line: string) => void): number {
  if (!files.length) {
    out('usage: mailsim validate FILE...');
    return 2;
  }
  let failures = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      out(`${file}: cannot read: ${(error as Error).message}`);
      failures++;
      continue;
    }
    const result = parseScenario(text, file);
    if (result.ok) {
      const { name, rules, limits } = result.scenario;
      out(`${file}: ok (scenario "${name}", ${rules.length} rules, ${limits.length} limits)`);
    } else {
      const { Line, Column, Field, Message } = result.error;
      out(`${file}:${Line}:${Column}: ${Field ? `${Field}: ` : ''}${Message}`);
      failures++;
    }
  }
  return failures ? 1 : 0;
}

/** `mailsim schema`: the scenario JSON Schema, for editors. */
export function schemaCommand(out: (text: string) => void): number {
  out(JSON.stringify(scenarioJsonSchema(), null, 2));
  return 0;
}
