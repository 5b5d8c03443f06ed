/**
 * npm run bench:hostile: every hostile input of issue 9 against the real CLI (built, run as its
 * own process, a fresh one per input), beside a well-behaved sender. Per input it prints the
 * sender's worst transaction time (connect to the 250 after DATA) against its median before the
 * input, the worst event-loop block while the input ran (mailsim_event_loop_delay_recent_max_seconds
 * on /metrics, read every second), the worst /livez answer (a lag probe from outside), and
 * whether the server survived and still serves. The well-behaved sender and the probe run in a
 * process of their own (bench/hostile-sender.ts): building megabytes of hostile input must not
 * slow the measurement down.
 * Targets: no input blocks the loop for more than 100 ms or delays another client's 250 by
 * more than 250 ms. `npm run bench:hostile -- 8 11` runs only those items.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HostileInput, INPUTS } from './hostile-inputs.js';
import { livez, loop, transaction } from './hostile-sender.js';

const CLI = 'dist/server/cli/main.js';
/**
 * MAILSIM_BENCH_CLIS="main=/tmp/main/dist/server/cli/main.js,branch=dist/server/cli/main.js"
 * runs each input against each build in turn, one table: on a loaded machine only the ratio
 * between builds measured in the same run means something.
 */
const BUILDS = (process.env.MAILSIM_BENCH_CLIS ?? `=${CLI}`).split(',').map((entry) => {
  const [label, path] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : ['', entry];
  return { label, path };
});
/** An input still running after this is abandoned (a frozen server never finishes it). */
const INPUT_DEADLINE_MS = 60_000;
const TARGET_BLOCK_MS = 100;
const TARGET_DELAY_MS = 250;

interface Server {
  child: ChildProcess;
  port: number;
  url: string;
  stderr: () => string;
  exited: () => boolean;
  dir: string;
}

async function start(cli: string, extra: string[]): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-hostile-'));
  const flags = /^#!.*\bnode\b(.*)$/.exec(readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '')?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  // MAILSIM_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles each server.
  const extraFlags = (process.env.MAILSIM_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const args = [...flags, ...extraFlags, cli, '--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', join(dir, 'm.db'), '--tls-dir', join(tmpdir(), 'mailsim-hostile-tls'), '--hostname', 'bench.test', ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let gone = false;
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-1_000_000)));
  child.once('exit', () => (gone = true));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /SMTP {2}\S+:(\d+)/.exec(stdout)?.[1];
      const url = /HTTP {2}(http:\/\/\S+)/.exec(stdout)?.[1];
      if (port && url && stdout.includes('Ready.')) resolve({ child, port: Number(port), url, stderr: () => stderr, exited: () => gone, dir });
    });
    child.once('exit', (code) => reject(new Error(`mailsim exited (${code}) before it was ready: ${stderr}`)));
  });
}

/** The worst event-loop block of the last 10-12 s, in ms. */
async function recentBlock(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith('mailsim_event_loop_delay_recent_max_seconds '));
  return line ? Number(line.split(' ')[1]) * 1000 : NaN;
}

/** CPU seconds the server process has used so far (Linux /proc; NaN elsewhere): a ratio that load does not skew as much as wall time. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The server's peak resident memory so far, in MiB (Linux /proc VmHWM; NaN elsewhere). */
function peakRssMiB(pid: number | undefined): number {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const STEP_NAMES = ['banner', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'end', 'QUIT'];
/** The recent window must not still hold the start-up's blocks (module loading, the store's thread). */
const SETTLE_MS = 12_000;

interface Row {
  input: HostileInput;
  build: string;
  baseline: number;
  worst: number;
  block: string;
  blockMs: number;
  /** The recent worst block just before the input: what the machine does anyway. */
  idleBlock: number;
  livez: number;
  /** Server CPU seconds while the input ran. */
  cpu: number;
  /** Peak RSS before the input and at its end, MiB. */
  rss: [number, number];
  survived: boolean;
  note: string;
}

/** The well-behaved sender's process: warms up, then measures between "go" and "stop". */
async function wellBehaved(port: number, url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/hostile-sender.ts', String(port), url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async <T>() => JSON.parse(((await lines.next()).value as string | undefined) ?? '{}') as T;
  const { baseline } = await next<{ baseline: number }>();
  return {
    baseline,
    go: () => child.stdin!.write('go\n'),
    stop: async () => {
      child.stdin!.write('stop\n');
      return next<{ worst: number; worstSteps: number[]; sent: number; livez: number; failures: string[] }>();
    },
  };
}

async function measure(input: HostileInput, build: { label: string; path: string }): Promise<Row> {
  const server = await start(build.path, input.args ?? []);
  const ready = performance.now();
  try {
    const sender = await wellBehaved(server.port, server.url);
    const { baseline } = sender;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, SETTLE_MS - (performance.now() - ready))));
    const idleBlock = await recentBlock(server.url);
    const cpuBefore = cpuSeconds(server.child.pid);
    const rssBefore = peakRssMiB(server.child.pid);
    sender.go();
    const blocks = loop(() => recentBlock(server.url), 1_000);
    let note: string;
    const deadline = input.deadlineMs ?? INPUT_DEADLINE_MS;
    try {
      note = await Promise.race([
        input.run({ port: server.port, url: server.url, stderr: server.stderr }),
        new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`still running after ${deadline / 1000} s`)), deadline)),
      ]);
    } catch (error) {
      note = `input failed: ${(error as Error).message}`;
    }
    // The sender keeps going a moment longer: a freeze may come when the input has finished.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [measured] = await Promise.all([sender.stop(), Promise.race([blocks.stop(), new Promise((resolve) => setTimeout(resolve, 35_000))])]);
    const cpu = cpuSeconds(server.child.pid) - cpuBefore;
    const rss: [number, number] = [rssBefore, peakRssMiB(server.child.pid)];
    const alive = !server.exited() && (await livez(server.url).then(() => true, () => false));
    const served = alive && (await transaction(server.port, 10_000).then(() => true, () => false));
    const after = alive ? await recentBlock(server.url).catch(() => NaN) : NaN;
    const { failures } = measured;
    // Where the worst transaction waited: banner, EHLO, MAIL, RCPT, DATA, end of data (and QUIT's 221).
    if (measured.worstSteps?.length) note += `; worst: ${measured.worstSteps.map((ms, i) => `${STEP_NAMES[i] ?? '?'} ${ms.toFixed(0)}`).join(', ')}`;
    if (failures.length) note += `; well-behaved failures: ${failures.length} (${failures[0]})`;
    if (server.exited()) note += `; exited: ${/\n(\w*Error[^\n]*)/.exec(server.stderr())?.[1] ?? 'see stderr'}`;
    const blockMs = Math.max(blocks.state.worst, Number.isNaN(after) ? 0 : after);
    return {
      input,
      build: build.label,
      baseline,
      worst: measured.worst,
      block: blocks.state.count === 0 && Number.isNaN(after) ? '?' : blockMs.toFixed(0),
      blockMs,
      idleBlock,
      livez: measured.livez,
      cpu,
      rss,
      survived: alive && served,
      note,
    };
  } finally {
    // A clean stop first, so that a --cpu-prof profile is written; a frozen server is killed.
    if (!server.exited()) {
      server.child.kill('SIGTERM');
      await Promise.race([new Promise((resolve) => server.child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    server.child.kill('SIGKILL');
    rmSync(server.dir, { recursive: true, force: true });
  }
}

function table(rows: Row[]): string {
  const head = ['item', 'build', 'input', 'sender worst ms (median)', 'loop block ms (idle)', '/livez worst ms', 'server CPU s', 'peak RSS MiB', 'survived', 'on target', 'what happened'];
  const body = rows.map((r) => {
    const ok = r.survived && r.blockMs <= TARGET_BLOCK_MS && r.worst - r.baseline <= TARGET_DELAY_MS;
    return [r.input.item, r.build, r.input.name, `${r.worst.toFixed(0)} (${r.baseline.toFixed(1)})`, `${r.block} (${r.idleBlock.toFixed(0)})`, r.livez.toFixed(0), r.cpu.toFixed(1), `${r.rss[0].toFixed(0)} -> ${r.rss[1].toFixed(0)}`, r.survived ? 'yes' : 'NO', ok ? 'yes' : 'no', r.note];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  for (const { path } of BUILDS) if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run build" first (npm run bench:hostile does)`);
  const only = process.argv.slice(2);
  const inputs = only.length ? INPUTS.filter((i) => only.includes(i.item)) : INPUTS;
  const rows: Row[] = [];
  for (const input of inputs) {
    for (const build of BUILDS) {
      process.stderr.write(`item ${input.item}${build.label && ` (${build.label})`}: ${input.name}...\n`);
      rows.push(await measure(input, build));
    }
  }
  console.log(`\nTargets: event-loop block <= ${TARGET_BLOCK_MS} ms, another client's 250 delayed <= ${TARGET_DELAY_MS} ms (worst minus median).\n`);
  console.log(table(rows));
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
