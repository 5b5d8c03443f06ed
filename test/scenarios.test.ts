import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScenariosList } from '../server/protocol.js';
import { scenarioJsonSchema } from '../server/scenarios/json-schema.js';
import { parseScenario } from '../server/scenarios/parse.js';
import { precompile, precompiledScenario } from '../server/scenarios/precompiled.js';
import { ScenarioRegistry, scenarioFiles } from '../server/scenarios/registry.js';
import { validateCommand } from '../server/cli/commands.js';
import { nextEvent } from './helpers/events.js';
import { activate, smtplib } from './helpers/faults.js';
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

  it('the build precompiles every built-in exactly as parseScenario reads it, used only for the same name and text', () => {
    const files = scenarioFiles(BUILTIN).map((file) => join(BUILTIN, file));
    const built = precompile(files);
    expect(Object.keys(built.scenarios)).toHaveLength(files.length);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const parsed = parseScenario(text, file);
      expect(parsed.ok && Object.values(built.scenarios)).toContainEqual(parsed.ok && parsed.scenario);
      // The build's own file (dist/, made by npm run build) where there is one and it is fresh.
      const precompiled = precompiledScenario(file, text);
      if (precompiled) expect(precompiled).toStrictEqual(parsed.ok && parsed.scenario);
      expect(precompiledScenario(file, `${text}\n# edited\n`)).toBeUndefined();
      expect(precompiledScenario(join(BUILTIN, `renamed-${file.split('/').at(-1)}`), text)).toBeUndefined();
    }
  });

  it('parses a file once per content: each registry gets its own copy, an edit is read afresh', () => {
    const dir = tempDir();
    const file = join(dir, 'mine.yaml');
    writeFileSync(file, 'description: first\nseed: 7\n');
    const seeded = new ScenarioRegistry({ builtin: BUILTIN, user: dir }, 99);
    const plain = new ScenarioRegistry({ builtin: BUILTIN, user: dir });
    seeded.loadFiles();
    plain.loadFiles();
    // --seed replaces the seed of the seeded registry's scenarios only.
    expect([seeded.get('mine')?.seed, plain.get('mine')?.seed, seeded.get('gmail')?.seed]).toEqual([99, 7, 99]);
    const other = new ScenarioRegistry({ builtin: BUILTIN });
    other.loadFiles();
    expect(other.get('gmail')).toEqual(plain.get('gmail'));
    expect(other.get('gmail')).not.toBe(plain.get('gmail'));
    plain.get('mine')!.rules.push(plain.get('gmail')!.rules[0]!);
    writeFileSync(file, 'description: second\n');
    expect(plain.load(file)).toBeNull();
    expect(plain.get('mine')).toMatchObject({ description: 'second', seed: 1 });
    writeFileSync(file, 'description: first\nseed: 7\n');
    expect(plain.load(file)).toBeNull();
    // What one registry did to its copy is not in the next one's.
    expect(plain.get('mine')).toMatchObject({ description: 'first', seed: 7, rules: [] });
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
    // team offers no STARTTLS, so its auto listener is plain to every client (issue 11 item 7).
    expect(list.listeners[0]).toMatchObject({ Scenario: 'team', Mode: 'plain', Configured: 'auto' });
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

  it('reports each listener as clients meet it: auto follows its scenario, and smtplib sees the same', async () => {
    sim = await startSim({
      smtp: [
        { host: '127.0.0.1', port: 0, mode: 'auto' },
        { host: '127.0.0.1', port: 0, mode: 'plain' },
        { host: '127.0.0.1', port: 0, mode: 'starttls' },
        { host: '127.0.0.1', port: 0, mode: 'tls' },
      ],
    });
    const port = sim.smtpPorts[0]!;
    const modes = async () => (await getJson<ScenariosList>(`${sim!.url}/api/v1/scenarios`)).body.listeners.map((l) => `${l.Configured}→${l.Mode}`);
    const offered = () => smtplib(port, "s.ehlo()\nprint(s.has_extn('starttls'))");
    expect(await modes()).toEqual(['auto→plain', 'plain→plain', 'starttls→starttls', 'tls→tls']);
    expect(await offered()).toBe('False');
    await activate(sim, 'sendgrid');
    expect(await modes()).toEqual(['auto→starttls', 'plain→plain', 'starttls→starttls', 'tls→tls']);
    expect(await offered()).toBe('True');
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
    expect(good).toMatchObject({ code: 0, stdout: `${join(BUILTIN, 'gmail.yaml')}: ok (scenario "gmail", 3 rules, 2 limits)\n` });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${bad}:2:5: limits.0.reply: required field is missing (expected object)`);
  });

  it.each([
    [
      'STARTTLS listed but never offered (yahoo-disabled-mailbox before the fix)',
      'persona:\n  extensions: [PIPELINING, STARTTLS]\n',
      '2:28: persona.extensions.1: STARTTLS is listed but persona.tls.starttls is off, so it is never offered: set tls.starttls to optional or required, or remove STARTTLS',
    ],
    [
      'AUTH required but not offered',
      'persona:\n  extensions: [PIPELINING]\n  auth: { required: true }\n',
      '3:21: persona.auth.required: AUTH is required but not in persona.extensions, so no client can ever authenticate: add AUTH to extensions',
    ],
    [
      'a condition the phase never knows',
      'rules:\n  - when: { phase: mail, subject: "*invoice*" }\n    action: { reply: { code: 550 } }\n',
      '2:35: rules.0.when.subject: the Subject is only known at data-end; this rule (phase mail) can never match it',
    ],
    [
      'a per-user concurrency limit at connect',
      'limits:\n  - name: c\n    kind: concurrent\n    key: user\n    max: 1\n    phase: connect\n    reply: { code: 421 }\n',
      '6:12: limits.0.phase: key user is unknown at connect (no AUTH yet), so this limit never applies: use phase auth, mail, data-start or data-end',
    ],
  ])('mailsim validate fails a contradiction, naming file, line and field: %s', (_, text, expected) => {
    const file = join(tempDir(), 'contradiction.yaml');
    writeFileSync(file, text);
    const lines: string[] = [];
    expect(validateCommand([file], (line) => lines.push(line))).toBe(1);
    expect(lines).toEqual([`${file}:${expected}`]);
  });

  it('generates a JSON Schema with every field editors should complete', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'description', 'seed', 'persona', 'rules', 'limits']));
    expect(Object.keys(schema.properties.persona!.properties!)).toEqual(expect.arrayContaining(['banner', 'ehlo', 'extensions', 'auth', 'tls', 'replies']));
    expect(JSON.stringify(schema)).toContain('"data-start"');
  });
});
