import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The module table of ../shared/architecture.md, checked: who may import what.
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

function violations(fromDir: string, forbidden: (target: string) => boolean, runtimeOnly = false): string[] {
  return ALL.filter((i) => i.from.startsWith(fromDir) && forbidden(i.target) && !(runtimeOnly && i.typeOnly)).map((i) => `${i.from} → ${i.target}`);
}

const under = (...dirs: string[]) => (target: string) => dirs.some((dir) => target.startsWith(`server/${dir}/`));
const packages = (...names: string[]) => (target: string) => names.some((name) => target === name || target.startsWith(`${name}/`));
const either = (...tests: ((target: string) => boolean)[]) => (target: string) => tests.some((test) => test(target));

describe('module boundaries (../shared/architecture.md)', () => {
  it('finds the imports it checks', () => {
    expect(ALL.length).toBeGreaterThan(300);
    expect(ALL.some((i) => i.from === 'server/harness.ts' && i.target === 'server/mail/mailbox.ts')).toBe(true);
  });

  it('the fault engine is pure: no sockets, files, SMTP, HTTP, WebSocket, store', () => {
    expect(violations('server/faults/', either(packages('node:net', 'node:fs', 'node:tls', 'fs', 'net', 'smtp-server', 'express', 'ws'), under('mail', 'smtp', 'http', 'ws')))).toEqual([]);
  });

  it('scenarios do not reach into SMTP, HTTP or the WebSocket', () => {
    expect(violations('server/scenarios/', under('smtp', 'http', 'ws'))).toEqual([]);
  });

  it('the SMTP adapter gets the store injected and knows nothing of HTTP or the WebSocket', () => {
    expect(violations('server/smtp/', under('mail', 'http', 'ws'))).toEqual([]);
  });

  it('only the SMTP adapter touches smtp-server', () => {
    const users = ALL.filter((i) => packages('smtp-server')(i.target) && !i.typeOnly).map((i) => i.from);
    expect(users.filter((file) => !file.startsWith('server/smtp/'))).toEqual([]);
  });

  it('the store does not know SMTP, HTTP or the WebSocket', () => {
    expect(violations('server/mail/', either(packages('smtp-server', 'express', 'ws'), under('smtp', 'http', 'ws')))).toEqual([]);
  });

  it('the event bus imports nothing but wire types', () => {
    expect(violations('server/events/', (target) => !target.startsWith('server/events/') && target !== 'server/protocol.ts')).toEqual([]);
  });

  it('HTTP does not reach into SMTP or the WebSocket; the WebSocket not into store, SMTP or faults', () => {
    expect(violations('server/http/', under('smtp', 'ws'))).toEqual([]);
    expect(violations('server/ws/', under('mail', 'smtp', 'faults'))).toEqual([]);
  });

  it('the UI imports only types from the server', () => {
    expect(violations('ui/src/', (target) => target.startsWith('server/'), true)).toEqual([]);
  });

  it('the shared wire types file holds no runtime code', () => {
    const source = ts.createSourceFile('protocol.ts', readFileSync(join(ROOT, 'server/protocol.ts'), 'utf8'), ts.ScriptTarget.Latest);
    const runtime = source.statements.filter((s) => !ts.isInterfaceDeclaration(s) && !ts.isTypeAliasDeclaration(s));
    expect(runtime.map((s) => s.getText(source).slice(0, 60))).toEqual([]);
  });
});
