/**
 * npm run bench:store: the store's cost at 10,000 and 100,000 messages, this branch against a
 * baseline (main by default) in the same run. Each tree fills a store once per size through
 * the writer's own path (bench/store-child.ts), then each repetition copies that store and
 * times the HTTP API over it in a fresh process (the tree's built server when it has one, with the
 * bin's node flags, as users run it; build both trees first): lists, searches, counts, delete-all, the WAL
 * left behind and the peak RSS. Repetitions alternate between the trees, so drift in the load
 * of a shared machine falls on both. Prints min / median / max of the repetitions and the
 * ratio of the medians (this branch / baseline).
 *
 *   npm run bench:store [-- --sizes 10000,100000 --reps 3 --base <ref or source dir>]
 */
import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Corpus } from './store-corpus.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' }, reps: { type: 'string', default: '3' }, base: { type: 'string', default: 'main' } } });
const sizes = values.sizes.split(',').map(Number);
const reps = Number(values.reps);
const here = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'mailsim-store-bench-'));

/** A source tree of the baseline: a directory as given, or `git archive` of a ref (no checkout, no git state touched). */
function baseline(ref: string): string {
  if (existsSync(join(ref, 'server'))) return resolve(ref);
  const dir = join(work, 'base');
  mkdirSync(dir);
  execFileSync('sh', ['-c', `git archive ${JSON.stringify(ref)} | tar -x -C ${JSON.stringify(dir)}`]);
  symlinkSync(join(here, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, median: s[Math.floor(s.length / 2)] ?? NaN, max: s.at(-1) ?? NaN };
};
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const cell = (xs: number[]) => {
  const { min, median, max } = stats(xs);
  return `${fmt(min)} / ${fmt(median)} / ${fmt(max)}`;
};

/** Fills a store (one JSON line back). */
function fill(root: string, db: string, count: number): Promise<Record<string, number>> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/store-child.ts', 'fill', root, db, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) done(JSON.parse(line) as Record<string, number>);
      else fail(new Error(`fill ${root} ${count} exited ${code}: ${out}`));
    });
  });
}

/** The queries timed, by label; each a GET path. */
export function queries(count: number, corpus = new Corpus()): Array<[string, string]> {
  const search = (q: string) => `/api/v1/search?limit=50&query=${encodeURIComponent(q)}`;
  return [
    ['list 50, first page', '/api/v1/messages?limit=50'],
    ['list 50, middle page', `/api/v1/messages?limit=50&start=${Math.floor(count / 2)}`],
    ['subject:invoice', search('subject:invoice')],
    ['from:grace', search('from:grace')],
    ['to:grace', search('to:grace')],
    ['-from:grace (negated)', search('-from:grace')],
    [`body word (${corpus.word(400)})`, search(corpus.word(400))],
    ['attachment name (report-12)', search('report-12')],
    ['no match (qqxqqx)', search('qqxqqx')],
    ['is:unread', search('is:unread')],
    ['counts (/api/v1/info)', '/api/v1/info'],
  ];
}


async function timed(url: string, init?: RequestInit): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(url, init);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return performance.now() - t0;
}

/** The node flags of a built tree's bin (`#!/usr/bin/env -S node ...`): its server runs as users run it. */
function nodeFlags(root: string): string[] {
  const cli = join(root, 'dist/server/cli/main.js');
  if (!existsSync(cli)) return [];
  const shebang = readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  return /^#!.*\bnode\b(.*)$/.exec(shebang)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

const fileMb = (path: string) => (existsSync(path) ? statSync(path).size / 1048576 : 0);

/** Starts a server over the store, times each query (median of 7 after one warm-up), then delete-all. */
async function measure(root: string, db: string, count: number): Promise<Record<string, number>> {
  const child = spawn(process.execPath, [...nodeFlags(root), '--import', 'tsx', 'bench/store-child.ts', 'serve', root, db, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffered = '';
  let wake = () => {};
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line.startsWith('{')));
    wake();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  const next = async () => {
    while (!lines.length) {
      if (child.exitCode !== null) throw new Error(`serve ${root} exited ${child.exitCode}`);
      await Promise.race([new Promise<void>((done) => (wake = done)), exited]);
    }
    return JSON.parse(lines.shift()!) as Record<string, number>;
  };
  const api = `http://127.0.0.1:${(await next()).port}`;
  const result: Record<string, number> = {};
  const stored = (await (await fetch(`${api}/api/v1/info`)).json()) as { Messages: number };
  if (stored.Messages !== count) throw new Error(`expected ${count} messages, the store has ${stored.Messages}`);
  for (const [label, path] of queries(count)) {
    await timed(api + path);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) times.push(await timed(api + path));
    result[label] = stats(times).median;
  }
  result['delete all'] = await timed(`${api}/api/v1/messages`, { method: 'DELETE' });
  // What the WAL holds once delete-all has answered and a checkpoint tick has had its chance.
  await new Promise((done) => setTimeout(done, 600));
  result['WAL MB after delete all'] = fileMb(`${db}-wal`);
  result['db file MB after delete all'] = fileMb(db);
  // The idle writer then frees the deleted pages (and, on branches that set tables aside, the
  // tables): how long until it is done, and what the WAL and the file are then.
  const freedFrom = performance.now();
  const reader = new Database(db, { readonly: true });
  const busy = () =>
    (reader.pragma('freelist_count', { simple: true }) as number) >= 1024 ||
    (reader.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'discarded%'").pluck().get() as number) > 0;
  while (busy() && performance.now() - freedFrom < 180_000) await new Promise((done) => setTimeout(done, 100));
  reader.close();
  result['s until freed after delete all'] = (performance.now() - freedFrom) / 1000;
  await new Promise((done) => setTimeout(done, 600));
  result['WAL MB once freed'] = fileMb(`${db}-wal`);
  result['db file MB once freed'] = fileMb(db);
  child.stdin.end();
  Object.assign(result, await next());
  await exited;
  return result;
}

async function main(): Promise<void> {
  const trees = [
    { name: `base (${values.base})`, root: baseline(values.base) },
    { name: 'this branch', root: here },
  ];
  console.log(`store bench: ${sizes.join(' and ')} messages, ${reps} repetitions; cells are min / median / max (ms unless named)`);
  for (const size of sizes) {
    const filled = [];
    for (const tree of trees) {
      const db = join(work, `${trees.indexOf(tree)}-${size}.db`);
      filled.push({ ...tree, db, fill: await fill(tree.root, db, size) });
    }
    const runs = filled.map(() => [] as Array<Record<string, number>>);
    for (let rep = 0; rep < reps; rep++) {
      for (const [i, tree] of filled.entries()) {
        const db = join(work, `run-${size}.db`);
        copyFileSync(tree.db, db);
        runs[i]!.push(await measure(tree.root, db, size));
        for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
      }
    }
    console.log(`\n${size.toLocaleString('en')} messages (fill: ${filled.map((t) => `${t.name} ${(t.fill.fillMs! / 1000).toFixed(1)} s${t.fill.indexMs ? ` + index ${(t.fill.indexMs / 1000).toFixed(1)} s` : ''}, ${(t.fill.dbBytes! / 1048576).toFixed(0)} MB`).join('; ')})`);
    const labels = Object.keys(runs[0]![0]!);
    const header = ['metric'.padEnd(30), ...filled.map((t) => t.name.padStart(26)), 'ratio'.padStart(8)];
    console.log(header.join(''));
    for (const label of labels) {
      const columns = runs.map((r) => r.map((run) => run[label] as number));
      const ratio = stats(columns[1]!).median / stats(columns[0]!).median;
      console.log([label.padEnd(30), ...columns.map((c) => cell(c).padStart(26)), (Number.isFinite(ratio) ? ratio.toFixed(3) : '-').padStart(8)].join(''));
    }
    for (const tree of filled) rmSync(tree.db, { force: true });
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
