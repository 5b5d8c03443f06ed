/**
 * npm run bench:rss: mailsim's memory with 10,000 and 100,000 messages stored, while a load runs.
 * Each size is filled once through the writer's own path (bench/store-child.ts fill); every
 * repetition copies that store into a fresh directory, starts the built server on it as users
 * run it (the bin's node flags), and samples /proc/<pid>/status (VmRSS every 50 ms, VmHWM at the
 * end: the whole process, all its threads) at idle, then under a load: Postfix's smtp-source
 * with 10 sessions reusing connections, then one connection per message, while an API client
 * lists a page and opens a message four times a second (opening starts the parse thread). With
 * --base <dir> (a built checkout of another commit) its server runs beside this one in rotating
 * order; --flags=... replaces the node flags of both (--flags= for none).
 *
 *   npm run bench:rss [-- --sizes 10000,100000 --reps 3 --messages 6000 --base ../main --fills /tmp/fills]
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    reps: { type: 'string', default: '3' },
    messages: { type: 'string', default: '6000' },
    base: { type: 'string' },
    fills: { type: 'string' },
    flags: { type: 'string' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const REPS = Number(values.reps);
const MESSAGES = Number(values.messages);
const TICKS = 100;
const here = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'mailsim-rss-'));
/** Filled stores are kept here between runs when --fills is given (a fill of 100,000 takes minutes). */
const fills = values.fills ? resolve(values.fills) : work;

interface Contender {
  name: string;
  root: string;
}

function status(pid: number): { rss: number; peak: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

function fill(count: number): string {
  const db = join(fills, `fill-${count}.db`);
  if (existsSync(db)) return db;
  mkdirSync(fills, { recursive: true });
  process.stderr.write(`filling ${count.toLocaleString('en')} messages into ${db}\n`);
  const filled = spawnSync(process.execPath, ['--import', 'tsx', 'bench/store-child.ts', 'fill', here, db, String(count)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (filled.status !== 0) throw new Error(`the fill of ${count} exited ${filled.status}`);
  return db;
}

/** The node flags of the bin's `#!/usr/bin/env -S node ...` line, or --flags. */
function nodeFlags(cli: string): string[] {
  if (values.flags !== undefined) return values.flags.split(/\s+/).filter(Boolean);
  const shebang = readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  return /^#!.*\bnode\b(.*)$/.exec(shebang)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

interface Started {
  child: ChildProcess;
  smtpPort: number;
  httpUrl: string;
}

function start(contender: Contender, db: string, size: number): Promise<Started> {
  const cli = join(contender.root, 'dist/server/cli/main.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build that tree first`);
  const args = [...nodeFlags(cli), cli, '--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', db, '--max-messages', String(size)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: contender.root });
  let output = '';
  return new Promise((done, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const smtp = /SMTP {2}127\.0\.0\.1:(\d+)[\s\S]*Ready\./.exec(output);
      const http = /HTTP {2}(http:\/\/\S+)/.exec(output);
      if (smtp && http) done({ child, smtpPort: Number(smtp[1]), httpUrl: http[1]! });
    });
    child.once('exit', (code) => fail(new Error(`${contender.name} exited early (${code}): ${output}`)));
  });
}

function smtpSource(port: number, messages: number, reuse: boolean): Promise<void> {
  const args = ['-s', '10', '-m', String(messages), '-l', '4096', '-f', 'bench@example.com', '-t', 'rcpt@example.com', ...(reuse ? ['-d'] : []), `127.0.0.1:${port}`];
  return new Promise((done, fail) => execFile('smtp-source', args, (error) => (error ? fail(error) : done())));
}

/**
 * Lists a page and opens a message every BROWSE_MS until `stop` resolves, as someone watching the
 * UI during a run: opening starts the parse thread, and the pages walk the store's indexes.
 */
const BROWSE_MS = 250;
async function browse(url: string, stop: Promise<void>): Promise<number> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  let opened = 0;
  while (!stopped) {
    const paced = new Promise((done) => setTimeout(done, BROWSE_MS));
    const list = (await (await fetch(`${url}/api/v1/messages?limit=50&start=${(opened * 50) % 5000}`)).json()) as { messages: Array<{ ID: string }> };
    const id = list.messages[opened % list.messages.length]?.ID;
    if (id) await (await fetch(`${url}/api/v1/message/${id}`)).arrayBuffer();
    opened++;
    await paced;
  }
  return opened;
}

type Measured = Record<string, number>;

async function measure(contender: Contender, size: number, source: string): Promise<Measured> {
  const dir = mkdtempSync(join(work, `${contender.name}-`));
  const db = join(dir, 'mailsim.db');
  copyFileSync(source, db);
  const server = await start(contender, db, size);
  const pid = server.child.pid!;
  const out: Measured = {};
  let sampled = 0;
  const sampler = setInterval(() => (sampled = Math.max(sampled, status(pid).rss)), 50);
  try {
    await fetch(`${server.httpUrl}/api/v1/info`);
    out['idle RSS MB'] = status(pid).rss;
    for (const [mode, reuse] of [['reuse', true], ['new', false]] as const) {
      const cpu0 = cpuMs(pid);
      const t0 = performance.now();
      const load = smtpSource(server.smtpPort, MESSAGES, reuse);
      const opened = await browse(server.httpUrl, load);
      await load;
      out[`${mode} msg/s`] = MESSAGES / ((performance.now() - t0) / 1000);
      out[`${mode} CPU ms/msg`] = (cpuMs(pid) - cpu0) / MESSAGES;
      out[`${mode} opened`] = opened;
      out[`${mode} RSS MB`] = status(pid).rss;
    }
    out['max sampled RSS MB'] = sampled;
    out['peak RSS MB (VmHWM)'] = status(pid).peak;
    return out;
  } finally {
    clearInterval(sampler);
    const exited = new Promise((done) => server.child.once('exit', done));
    server.child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, median: s[Math.floor(s.length / 2)] ?? NaN, max: s.at(-1) ?? NaN };
};
const num = (n: number) => (!Number.isFinite(n) ? '-' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const cell = (xs: number[]) => `${num(stats(xs).min)} / ${num(stats(xs).median)} / ${num(stats(xs).max)}`;

function print(size: number, contenders: Contender[], results: Measured[][]): void {
  console.log(`\n${size.toLocaleString('en')} stored, ${MESSAGES} messages per load, ${REPS} repetitions (min / median / max)`);
  const labels = [...new Set(results.flatMap((runs) => runs.flatMap((r) => Object.keys(r))))];
  const ratio = contenders.length > 1;
  console.log(['metric'.padEnd(22), ...contenders.map((c) => c.name.padStart(22)), ratio ? `${contenders[0]!.name}/${contenders[1]!.name}`.padStart(16) : ''].join(''));
  for (const label of labels) {
    const columns = results.map((runs) => runs.map((r) => r[label]!));
    const r = ratio ? (stats(columns[0]!).median / stats(columns[1]!).median).toFixed(3).padStart(16) : '';
    console.log([label.padEnd(22), ...columns.map((c) => cell(c).padStart(22)), r].join(''));
  }
  const peak = stats(results[0]!.map((r) => r['peak RSS MB (VmHWM)']!)).median;
  console.log(`${peak < 150 ? 'PASS' : 'MISS'}  peak RSS < 150 MB with ${size.toLocaleString('en')} stored (${contenders[0]!.name}: ${num(peak)} MB)`);
}

async function main(): Promise<void> {
  const contenders: Contender[] = [{ name: 'mailsim', root: here }, ...(values.base ? [{ name: 'base', root: resolve(values.base) }] : [])];
  try {
    for (const size of SIZES) {
      const source = fill(size);
      const results = contenders.map(() => [] as Measured[]);
      for (let rep = 0; rep < REPS; rep++) {
        for (let k = 0; k < contenders.length; k++) {
          const i = (k + rep) % contenders.length;
          results[i]!.push(await measure(contenders[i]!, size, source));
          process.stderr.write(`${size}: rep ${rep + 1} ${contenders[i]!.name} ${JSON.stringify(results[i]!.at(-1))}\n`);
        }
      }
      print(size, contenders, results);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
