import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScenariosList } from '../server/protocol.js';
import { scenarioJsonSchema } from '../server/scenarios/json-schema.js';
import { parseScenario } from '../server/scenarios/parse.js';
import { ScenarioRegistry } from '../server/scenarios/registry.js';
import { nextEvent } from './helpers/events.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';
import { runCliToEnd } from './helpers/spawn.js';

const BUILTIN = new URL('../scenarios', import.meta.url).pathname;
const tempDir = () => mkdtempSync(join(tmpdir(), 'mailsim-scenarios-'));

describe('scenario files', () => {
  it('every built-in profile loads without problems', () => {
    const registry = new ScenarioRegistry({ builtin: BUILTIN });
    registry.loadFiles();
    const files = readdirSync(BUILTIN).filter((f) => f.endsWith('.yaml'));
    expect(registry.list().map((s) => [s.Name, s.Valid, s.Error])).toEqual(files.map((f) => [f.replace('.yaml', ''), true, null]));
    expect(registry.names()).toEqual(expect.arrayContaining(['default', 'gmail', 'office365', 'sendgrid', 'amazon-ses', 'yahoo-disabled-mailbox', 'odoo-daily-limit', 'greylisting', 'flaky-network', 'slow-server', 'firewall-timeout', 'mailbox-unavailable', 'size-limit']));
  });

  it.each([
    ['a value of the wrong type', 'rules:\n  - when: { phase: rcpt }\n    action:\n      reply:\n        code: "four-twenty-one"\n', 5, 15, 'rules.0.action.reply.code', 'expected number, got "four-twenty-one"'],
    ['a value out of range', 'rules:\n  - when: { phase: rcpt }\n    action: { reply: { code: 999 } }\n', 3, 30, 'rules.0.action.reply.code', 'Too big: expected number to be <=599'],
    ['an unknown field', 'persona:\n  banner: x\n  bannr: y\n', 3, 3, 'persona.bannr', 'unknown field "bannr"'],
    ['a missing field', 'rules:\n  - action: { accept: true }\n', 2, 5, 'rules.0.when', 'required field is missing (expected object)'],
    ['a YAML syntax error', 'rules:\n  - when: { phase: rcpt\n', 3, 1, '', 'Flow map in block collection must be sufficiently indented and end with a }'],
    ['a regex that does not compile', 'rules:\n  - when: { phase: mail, sender: { regex: "(" } }\n    action: { delay: 1s }\n', 2, 43, 'rules.0.when.sender.regex', 'not a valid RE2 regex: missing closing ): `(` (mailsim matches regexes in linear time with RE2 syntax)'],
    ['a regex RE2 cannot match in linear time', 'rules:\n  - when: { phase: mail, sender: { regex: "(a)\\\\1" } }\n    action: { delay: 1s }\n', 2, 43, 'rules.0.when.sender.regex', 'backreferences are not supported (mailsim matches regexes in linear time with RE2 syntax)'],
    ['an unknown time zone', 'limits:\n  - name: q\n    kind: messages\n    max: 1\n    window: { fixed: 1d, timeZone: Mars/Olympus }\n    reply: { code: 550 }\n', 5, 36, 'limits.0.window.timeZone', 'unknown time zone "Mars/Olympus"'],
  ])('reports %s with file, line, column, field and what was expected', (_what, text, line, column, field, message) => {
    expect(parseScenario(text, 'my.yaml')).toEqual({ ok: false, error: { File: 'my.yaml', Line: line, Column: column, Field: field, Message: message } });
  });

  it('accepts JSON too, and names the scenario after the file', () => {
    const result = parseScenario('{"rules": [{"when": {"phase": "rcpt"}, "action": {"accept": true}}]}', '/x/strict-server.json');
    expect(result).toMatchObject({ ok: true, scenario: { name: 'strict-server', seed: 1, rules: [{ select: { per: 'global' } }] } });
  });

  it('lets a user file override a built-in, refuses duplicates, keeps the last valid version of a broken edit', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'gmail.yaml'), 'description: my own gmail\n');
    writeFileSync(join(dir, 'twin-a.yaml'), 'name: twin\n');
    writeFileSync(join(dir, 'twin-b.yaml'), 'name: twin\n');
    const registry = new ScenarioRegistry({ builtin: BUILTIN, user: dir });
    registry.loadFiles();
    expect(registry.info('gmail')).toMatchObject({ Source: 'user', Description: 'my own gmail' });
    expect(registry.list().find((s) => s.File?.endsWith('twin-b.yaml'))?.Error?.Message).toMatch(/scenario "twin" is already defined in .*twin-a\.yaml/);

    const file = join(dir, 'mine.yaml');
    writeFileSync(file, 'description: first\n');
    registry.load(file);
    writeFileSync(file, 'description: [broken\n');
    expect(registry.load(file)).toMatchObject({ File: file, Line: 2 });
    expect(registry.get('mine')?.description).toBe('first');
    expect(registry.info('mine')).toMatchObject({ Valid: false, Error: { File: file } });
  });
});

describe('scenarios at run time', () => {
  let sim: TestSim | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('reloads an edited file for new sessions and reports an invalid edit on the event feed', async () => {
    const dir = tempDir();
    const file = join(dir, 'team.yaml');
    writeFileSync(file, 'rules:\n  - when: { phase: rcpt }\n    action: { reply: { code: 550, text: first } }\n');
    sim = await startSim({ scenarios: dir, scenario: 'team' });
    const list = (await getJson<ScenariosList>(`${sim.url}/api/v1/scenarios`)).body;
    expect(list.listeners[0]).toMatchObject({ Scenario: 'team', Mode: 'starttls' });
    expect(list.scenarios.find((s) => s.Name === 'team')).toMatchObject({ Source: 'user', File: file, Valid: true });

    const broken = nextEvent(sim.harness.bus, 'scenario.changed', (e) => e.Scenario.Name === 'team' && !e.Scenario.Valid);
    writeFileSync(file, 'rules:\n  - when: { phase: rcpt }\n    action: { reply: { code: "x" } }\n');
    expect((await broken).Scenario.Error).toMatchObject({ File: file, Line: 3, Field: 'rules.0.action.reply.code' });
    expect(sim.warnings.some((w) => w.startsWith(`scenario ${file}:3:`) && w.endsWith('(the last valid version stays active)'))).toBe(true);
    expect(sim.harness.scenarios.get('team')?.rules[0]?.action.reply?.text).toBe('first');

    const fixed = nextEvent(sim.harness.bus, 'scenario.changed', (e) => e.Scenario.Name === 'team' && e.Scenario.Valid);
    writeFileSync(file, 'rules:\n  - when: { phase: rcpt }\n    action: { reply: { code: 550, text: second } }\n');
    await fixed;
    expect(sim.harness.scenarios.get('team')?.rules[0]?.action.reply?.text).toBe('second');
    const detail = await getJson<{ Text: string }>(`${sim.url}/api/v1/scenarios/team`);
    expect(detail.body.Text).toContain('text: second');
  });

  it('refuses to start with a listener scenario that does not exist', async () => {
    await expect(startSim({ scenario: 'no-such-scenario' })).rejects.toThrow(/unknown scenario "no-such-scenario" \(available: amazon-ses, default, /);
  });

  it('rejects an invalid inline scenario with the field that is wrong', async () => {
    sim = await startSim();
    const response = await getJson<{ Error: string }>(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Scenario: { name: 'x', rules: [{ when: { phase: 'nope' }, action: {} }] } }) });
    expect(response.status).toBe(400);
    expect(response.body.Error).toMatch(/^Scenario\.rules\.0\.when\.phase: /);
    const unknown = await getJson<{ Error: string }>(`${sim.url}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify({ Name: 'nope' }) });
    expect(unknown).toMatchObject({ status: 400, body: { Code: 'BAD_REQUEST', Error: expect.stringMatching(/^no valid scenario named "nope" \(known: /) } });
  });
});

describe('mailsim validate and schema', () => {
  it('exits 0 for valid files and 1 with file:line:column for invalid ones', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'limits:\n  - name: q\n    kind: messages\n');
    const [good, result] = await Promise.all([runCliToEnd(['validate', join(BUILTIN, 'gmail.yaml')]), runCliToEnd(['validate', join(BUILTIN, 'default.yaml'), bad])]);
    expect(good).toMatchObject({ code: 0, stdout: `${join(BUILTIN, 'gmail.yaml')}: ok (scenario "gmail", 1 rules, 2 limits)\n` });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${bad}:2:5: limits.0.reply: required field is missing (expected object)`);
  });

  it('generates a JSON Schema with every field editors should complete', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'description', 'seed', 'persona', 'rules', 'limits']));
    expect(Object.keys(schema.properties.persona!.properties!)).toEqual(expect.arrayContaining(['banner', 'ehlo', 'extensions', 'auth', 'tls', 'replies']));
    expect(JSON.stringify(schema)).toContain('"data-start"');
  });
});
