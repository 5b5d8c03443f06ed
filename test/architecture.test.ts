import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The module table of docs/architecture.md, checked: who may import what.
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Import {
  from: string;
  /** Resolved to a path relative to the repository root for relative imports, else the package. */
  target: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return (readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((path) => /\.(ts|svelte)$/.test(path) && !path.endsWith('.d.ts'))
    .map((path) => join(dir, path));
}

function scriptOf(file: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1]).join('\n');
}

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, scriptOf(file), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts') : specifier;
    found.push({ from: file, target, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(node)
        ? Boolean(node.importClause?.isTypeOnly || (node.importClause && !node.importClause.name && node.importClause.namedBindings && ts.isNamedImports(node.importClause.namedBindings) && node.importClause.namedBindings.elements.every((e) => e.isTypeOnly)))
        : node.isTypeOnly;
      add(node.moduleSpecifier.text, typeOnly);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0]!)) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const ALL = [...sourceFiles('server'), ...sourceFiles('ui/src')].flatMap(importsOf);

/** One row of docs/architecture.md's module table. */
interface ModuleRule {
  module: string;
  /** mailsim modules it may import, and whether only as types. */
  allowed: Map<string, 'types' | 'any'>;
  everything: boolean;
  forbiddenPackages: string[];
}

const DOC = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');

function moduleTable(): ModuleRule[] {
  const rows = DOC.split('\n').filter((line) => /^\| `(server|ui)\//.test(line));
  return rows.map((line) => {
    const [module = '', , imports = '', forbidden = ''] = line.split('|').slice(1).map((cell) => cell.trim());
    const allowed = new Map<string, 'types' | 'any'>();
    for (const item of imports.split(',').map((part) => part.trim()).filter((part) => part && part !== '—')) {
      const [name = '', kind] = item.split(/\s+/);
      allowed.set(name, kind === '(types)' ? 'types' : 'any');
    }
    return {
      module: module.replace(/`/g, ''),
      allowed,
      everything: imports === 'every module',
      forbiddenPackages: [...forbidden.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
    };
  });
}

const TABLE = moduleTable();

/** `server/faults/engine.ts` → `faults`; `server/protocol.ts` → `protocol`; else undefined. */
function moduleOf(path: string): string | undefined {
  const match = /^server\/([^/]+?)(?:\.ts)?(?:\/|$)/.exec(path);
  return match?.[1];
}

function ruleFor(file: string): ModuleRule | undefined {
  return TABLE.find((rule) => (rule.module.endsWith('/') ? file.startsWith(rule.module) : file === rule.module));
}

const isPackage = (target: string, name: string) => target === name || target.startsWith(`${name}/`);

describe('module boundaries (docs/architecture.md)', () => {
  it('finds the imports it checks and the table it enforces', () => {
    expect(ALL.length).toBeGreaterThan(300);
    expect(ALL.some((i) => i.from === 'server/app/harness.ts' && i.target === 'server/mail/mailbox.ts')).toBe(true);
    expect(TABLE.length).toBeGreaterThan(15);
  });

  it('every folder under server/ has a row in the table', () => {
    const modules = new Set(sourceFiles('server').map((file) => file.split('/').slice(0, 2).join('/') + (file.split('/').length > 2 ? '/' : '')));
    expect([...modules].filter((module) => !TABLE.some((rule) => rule.module === module))).toEqual([]);
  });

  it('each module imports only what its row allows', () => {
    const wrong = ALL.flatMap((i) => {
      const rule = ruleFor(i.from);
      if (!rule) return [`${i.from}: no row`];
      if (rule.forbiddenPackages.some((name) => isPackage(i.target, name))) return [`${i.from} → ${i.target} (package refused)`];
      const target = moduleOf(i.target);
      if (rule.everything || target === undefined || !i.target.startsWith('server/') || target === moduleOf(i.from)) return [];
      const allowed = rule.allowed.get(target);
      if (allowed === 'any' || (allowed === 'types' && i.typeOnly)) return [];
      return [`${i.from} → ${i.target}${allowed === 'types' ? ' (types only)' : ''}`];
    });
    expect(wrong).toEqual([]);
  });

  it('only the SMTP adapter touches smtp-server', () => {
    const users = ALL.filter((i) => isPackage(i.target, 'smtp-server') && !i.typeOnly).map((i) => i.from);
    expect(users.filter((file) => !file.startsWith('server/smtp/'))).toEqual([]);
  });

  it('the UI imports only types from the server', () => {
    expect(ALL.filter((i) => i.from.startsWith('ui/src/') && i.target.startsWith('server/') && !i.typeOnly).map((i) => `${i.from} → ${i.target}`)).toEqual([]);
  });

  it('the shared wire types file holds no runtime code', () => {
    const source = ts.createSourceFile('protocol.ts', readFileSync(join(ROOT, 'server/protocol.ts'), 'utf8'), ts.ScriptTarget.Latest);
    const runtime = source.statements.filter((s) => !ts.isInterfaceDeclaration(s) && !ts.isTypeAliasDeclaration(s));
    expect(runtime.map((s) => s.getText(source).slice(0, 60))).toEqual([]);
  });
});
