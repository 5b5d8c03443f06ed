/**
 * npm run bench: SMTP throughput, latency, CPU and memory of mailsim next to a bare smtp-server
 * in the same run. Every server runs as its own process; the same lean client drives each with
 * 10 and with 100 parallel senders and 4 KiB messages, (a) reusing connections and (b) one
 * connection per message. msg/s and CPU per message come from Postfix's C load client
 * smtp-source (bench/smtp-source-load.ts: a Node client on the same two cores takes CPU from the
 * server); p50/p99 end of DATA → 250 from the lean Node client, which times each reply.
 * Postfix's smtp-sink is the reference row. CPU per message is the server process's user +
 * system time (all its threads, /proc/<pid>/stat) over the messages of the run. With --base <dir> (a built checkout
 * of another commit, e.g. a `git worktree` of main) its mailsim runs beside this one. Each
 * repetition starts fresh processes, in rotating order so that drift in the load of a shared
 * machine falls on all; cells are min / median / max over the repetitions.
 *
 *   npm run bench [-- --reps 3 --senders 10,100 --ms 6000 --stored 10000 --base ../main-worktree]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fourKiBMessage, LeanSmtpClient } from './lean-smtp-client.js';
import { smtpSource, startSmtpSink, writeMessageFile } from './smtp-source-load.js';

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '3' }, senders: { type: 'string', default: '10,100' }, base: { type: 'string' }, ms: { type: 'string', default: '6000' }, stored: { type: 'string', default: '10000' } },
});
const REPS = Number(values.reps);
const SENDER_COUNTS = values.senders.split(',').map(Number);
const MEASURE_MESSAGES = 20_000;
const MEASURE_MS = Number(values.ms);
const WARMUP_MESSAGES = 500;
/** Messages mailsim keeps (--max-messages) and is filled to before its RSS is read. */
const STORED_TARGET = Number(values.stored);
const MESSAGE = fourKiBMessage();
const MESSAGE_DIR = mkdtempSync(join(tmpdir(), 'mailsim-bench-message-'));
const MESSAGE_FILE = join(MESSAGE_DIR, 'message.txt');
writeMessageFile(MESSAGE_FILE, MESSAGE);
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux mailsim runs on). */
const TICKS = 100;

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  httpUrl?: string;
  readyMs: number;
}

interface Run {
  rate: number;
  p50: number;
  p99: number;
  sent: number;
  cpuMs: number;
}

function startProcess(name: string, args: string[], ready: RegExp, cwd?: string): Promise<Server> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (!match) return;
      const url = /HTTP {2}(http:\/\/\S+)/.exec(output)?.[1];
      resolve({ name, child, port: Number(match[1]), httpUrl: url, readyMs: performance.now() - started });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited early (${code}): ${output}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** User + system CPU of a process, all threads, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

/** Runs `senders` loops until `limit` messages are done or `deadline` passes. */
async function load(server: Server, senders: number, perMessage: boolean, limit: number, deadlineMs: number): Promise<Run> {
  const { port } = server;
  const latencies: number[] = [];
  let started = 0;
  const end = performance.now() + deadlineMs;
  const more = () => started < limit && performance.now() < end;
  const sender = async () => {
    if (perMessage) {
      while (more()) {
        started++;
        const client = await LeanSmtpClient.open(port);
        await client.greet();
        latencies.push(await client.transaction(MESSAGE));
        await client.quit();
      }
      return;
    }
    const client = await LeanSmtpClient.open(port);
    await client.greet();
    while (more()) {
      started++;
      latencies.push(await client.transaction(MESSAGE));
    }
    await client.quit();
  };
  const cpu0 = cpuMs(server.child.pid!);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: senders }, sender));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuMs(server.child.pid!) - cpu0;
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), sent: latencies.length, cpuMs: cpu / latencies.length };
}

async function bannerTimes(port: number, samples = 200): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    times.push(
      await new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        const socket = connect(port, '127.0.0.1');
        socket.once('data', () => {
          resolve(performance.now() - t0);
          socket.destroy();
        });
        socket.once('error', reject);
      }),
    );
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

async function storedCount(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/v1/info`)).json()) as { Messages: number }).Messages;
}

type Measured = Record<string, number>;

/** One fresh server: each sender count, reuse then one connection per message; then the stored count and memory. */
async function measure(server: Server): Promise<Measured> {
  const out: Measured = {};
  await load(server, 10, false, WARMUP_MESSAGES, MEASURE_MS);
  for (const senders of SENDER_COUNTS) {
    for (const [mode, perMessage] of [['reuse', false], ['new', true]] as const) {
      const run = await load(server, senders, perMessage, MEASURE_MESSAGES, MEASURE_MS);
      out[`${senders} ${mode} p50 ms`] = run.p50;
      out[`${senders} ${mode} p99 ms`] = run.p99;
      out[`${senders} ${mode} node msg/s`] = run.rate;
      // About MEASURE_MS of smtp-source load, sized from the Node client's rate (smtp-source
      // takes a count, not a time).
      const count = Math.max(300, Math.min(MEASURE_MESSAGES, Math.round((run.rate * 1.5 * MEASURE_MS) / 1000)));
      const cpu0 = cpuMs(server.child.pid!);
      const wallMs = await smtpSource(server.port, senders, perMessage, count, MESSAGE_FILE);
      out[`${senders} ${mode} msg/s`] = (count * 1000) / wallMs;
      out[`${senders} ${mode} CPU ms/msg`] = (cpuMs(server.child.pid!) - cpu0) / count;
    }
  }
  const banner = await bannerTimes(server.port);
  out['connect→banner p50 ms'] = banner.p50;
  out['connect→banner p99 ms'] = banner.p99;
  if (server.httpUrl) {
    for (let stored = await storedCount(server.httpUrl); stored < STORED_TARGET; stored = await storedCount(server.httpUrl)) {
      await load(server, 10, false, STORED_TARGET - stored, 60_000);
    }
    out['messages stored'] = await storedCount(server.httpUrl);
  }
  const mem = memory(server.child.pid!);
  out['RSS now MB'] = mem.rss;
  out['RSS peak MB'] = mem.peak;
  out['start→ready ms'] = server.readyMs;
  return out;
}

/** MAIL FROM round trips on one connection, ms each. */
async function mailRoundTrips(port: number, samples: number, sender = 'bench@example.com'): Promise<number[]> {
  const client = await LeanSmtpClient.open(port);
  await client.greet();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await client.send(`MAIL FROM:<${sender}>\r\n`, '250');
    times.push(performance.now() - t0);
    await client.send('RSET\r\n', '250');
  }
  await client.quit();
  return times.sort((a, b) => a - b);
}

const DELAYED_SENDER = 'delay-100@example.com';

/**
 * How exactly a scenario's `delay` is honoured: the extra time a 100 ms delay adds to a reply.
 * The bare server answers the same sender after a plain setTimeout(100), which shows what the
 * machine itself adds (a process idle for 100 ms wakes late on a VM).
 */
async function delayAccuracy(port: number): Promise<{ p50: number; p99: number; max: number }> {
  const baseline = percentile(await mailRoundTrips(port, 50), 50);
  const delayed = (await mailRoundTrips(port, 100, DELAYED_SENDER)).map((t) => t - baseline - 100);
  return { p50: percentile(delayed, 50), p99: percentile(delayed, 99), max: delayed.at(-1) ?? NaN };
}

async function useDelayScenario(httpUrl: string, on: boolean): Promise<void> {
  const body = on
    ? { Scenario: { name: 'bench-delay', rules: [{ when: { phase: 'mail', sender: DELAYED_SENDER }, action: { delay: 100 } }] } }
    : { Name: 'default' };
  const response = await fetch(`${httpUrl}/api/v1/scenario`, { method: 'PUT', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`PUT /api/v1/scenario: ${response.status} ${await response.text()}`);
}

/** The node flags of the bin's `#!/usr/bin/env -S node ...` line: measure mailsim as users run it. */
function binNodeFlags(cli: string): string[] {
  const shebang = readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  return /^#!.*\bnode\b(.*)$/.exec(shebang)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, median: s[Math.floor(s.length / 2)] ?? NaN, max: s.at(-1) ?? NaN };
};
const num = (n: number) => (!Number.isFinite(n) ? '-' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3));
const cell = (xs: number[]) => (xs.length ? `${num(stats(xs).min)} / ${num(stats(xs).median)} / ${num(stats(xs).max)}` : '-');

interface Contender {
  name: string;
  start: (dir: string) => Promise<Server>;
}

function mailsim(name: string, root: string): Contender {
  const cli = join(root, 'dist/server/cli/main.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build that tree first (npm run bench builds this one)`);
  return {
    name,
    start: (dir) =>
      startProcess(
        name,
        [...binNodeFlags(cli), cli, '--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', join(dir, `${name}.db`), '--max-messages', String(STORED_TARGET)],
        /SMTP {2}127\.0\.0\.1:(\d+)[\s\S]*Ready\./,
        root,
      ),
  };
}

const sink: Contender = {
  name: 'smtp-sink',
  start: async () => {
    const started = performance.now();
    const { child, port } = await startSmtpSink();
    return { name: 'smtp-sink', child, port, readyMs: performance.now() - started };
  },
};

const bare: Contender = { name: 'bare', start: () => startProcess('bare', ['--import', 'tsx', 'bench/bare-smtp-server.ts'], /PORT (\d+)/) };

async function stop(server: Server): Promise<void> {
  const exited = new Promise((done) => server.child.once('exit', done));
  server.child.kill('SIGTERM');
  await exited;
}


function print(contenders: Contender[], results: Measured[][], title: string): void {
  console.log(`\n${title}`);
  const labels = [...new Set(results.flatMap((runs) => runs.flatMap((run) => Object.keys(run))))];
  const median = (i: number, label: string) => stats(results[i]!.map((r) => r[label]!).filter((x) => x !== undefined)).median;
  const at = (name: string) => contenders.findIndex((c) => c.name === name);
  const ratioCols = [
    ['smtp-sink/bare', at('smtp-sink'), 0],
    ['mailsim/bare', 1, 0],
    ...(values.base ? [['base/bare', at('base'), 0], ['mailsim/base', 1, at('base')]] : []),
  ] as Array<[string, number, number]>;
  console.log(['metric'.padEnd(26), ...contenders.map((c) => c.name.padStart(24)), ...ratioCols.map(([n]) => n.padStart(16))].join(''));
  for (const label of labels) {
    const columns = results.map((runs) => runs.map((run) => run[label]).filter((x): x is number => x !== undefined));
    const ratios = ratioCols.map(([, a, b]) => median(a, label) / median(b, label));
    console.log([label.padEnd(26), ...columns.map((c) => cell(c).padStart(24)), ...ratios.map((r) => (Number.isFinite(r) ? r.toFixed(3) : '-').padStart(16))].join(''));
  }
}

async function main(): Promise<void> {
  const contenders = [bare, mailsim('mailsim', resolve('.')), ...(values.base ? [mailsim('base', resolve(values.base))] : []), sink];
  const results = contenders.map(() => [] as Measured[]);
  console.log(`${SENDER_COUNTS.join(' and ')} senders, ${MESSAGE.length}-byte messages, up to ${MEASURE_MESSAGES} messages or ${MEASURE_MS / 1000} s per run, ${REPS} repetitions`);
  console.log('msg/s and CPU ms/msg: smtp-source (Postfix, C); p50/p99 and "node msg/s": the lean Node client');
  console.log('cells: min / median / max; ratios: of the medians\n');
  const none = { p50: NaN, p99: NaN, max: NaN };
  const delay = { ours: none, bare: none };
  for (let rep = 0; rep < REPS; rep++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + rep) % contenders.length;
      const contender = contenders[i]!;
      const dir = mkdtempSync(join(tmpdir(), 'mailsim-bench-'));
      const server = await contender.start(dir);
      try {
        results[i]!.push(await measure(server));
        if (rep === 0 && contender.name === 'mailsim') {
          await useDelayScenario(server.httpUrl!, true);
          delay.ours = await delayAccuracy(server.port);
        }
        if (rep === 0 && contender.name === 'bare') delay.bare = await delayAccuracy(server.port);
      } finally {
        await stop(server);
        rmSync(dir, { recursive: true, force: true });
      }
      process.stderr.write(`rep ${rep + 1}: ${contender.name} done\n`);
    }
    if (rep < REPS - 1) print(contenders, results, `after repetition ${rep + 1}`);
  }
  print(contenders, results, 'all repetitions');
  rmSync(MESSAGE_DIR, { recursive: true, force: true });
  const median = (i: number, label: string) => stats(results[i]!.map((r) => r[label]!).filter((x) => x !== undefined)).median;
  {
    console.log(`\n100 ms delay, overshoot p50 / p99 / max ms: mailsim ${num(delay.ours.p50)} / ${num(delay.ours.p99)} / ${num(delay.ours.max)}; bare ${num(delay.bare.p50)} / ${num(delay.bare.p99)} / ${num(delay.bare.max)}`);
  }
  const m = (label: string) => median(1, label);
  const b = (label: string) => median(0, label);
  const targets = [
    ['(a) reuse ≥ 0.35 × bare (10 senders)', m('10 reuse msg/s') >= 0.35 * b('10 reuse msg/s')],
    ['(b) one connection per message ≥ 0.7 × bare (10 senders)', m('10 new msg/s') >= 0.7 * b('10 new msg/s')],
    ['p99 end of DATA→250 < 5 ms at 10 senders (reuse)', m('10 reuse p99 ms') < 5],
    ['p99 end of DATA→250 < 15 ms at 100 senders (reuse)', m('100 reuse p99 ms') < 15],
    ['CPU per stored message < 0.25 ms (reuse, 10 senders)', m('10 reuse CPU ms/msg') < 0.25],
    [`peak RSS < 150 MB with ${STORED_TARGET.toLocaleString('en')} stored`, m('messages stored') >= STORED_TARGET && m('RSS peak MB') < 150],
    ['ready < 1000 ms after start', m('start→ready ms') < 1000],
    ['a delay is honoured within 15 ms (p99)', delay.ours.p99 < 15 && delay.ours.p50 > -1],
  ] as const;
  console.log('');
  for (const [name, ok] of targets) console.log(`${ok ? 'PASS' : 'MISS'}  ${name}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
