/**
 * npm run bench: SMTP throughput, latency and memory of mailsim next to a bare smtp-server.
 * Both servers run as their own processes; the same lean client drives both with 10 parallel
 * senders and 4 KiB messages, (a) reusing connections and (b) one connection per message.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fourKiBMessage, LeanSmtpClient } from './lean-smtp-client.js';

const SENDERS = 10;
const MEASURE_MESSAGES = 10_000;
const MEASURE_MS = 8_000;
const WARMUP_MESSAGES = 500;
const STORED_TARGET = 10_000;
const MESSAGE = fourKiBMessage();

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
}

function startProcess(name: string, args: string[], ready: RegExp): Promise<Server> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** Runs SENDERS loops until `limit` messages are done or `deadline` passes. */
async function load(port: number, perMessage: boolean, limit: number, deadlineMs: number): Promise<Run> {
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
  const t0 = performance.now();
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), sent: latencies.length };
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

async function measure(server: Server) {
  await load(server.port, false, WARMUP_MESSAGES, MEASURE_MS);
  const reuse = await load(server.port, false, MEASURE_MESSAGES, MEASURE_MS);
  const perMessage = await load(server.port, true, MEASURE_MESSAGES, MEASURE_MS);
  const banner = await bannerTimes(server.port);
  if (server.httpUrl) {
    for (let stored = await storedCount(server.httpUrl); stored < STORED_TARGET; stored = await storedCount(server.httpUrl)) {
      await load(server.port, false, STORED_TARGET - stored, 60_000);
    }
  }
  const stored = server.httpUrl ? await storedCount(server.httpUrl) : 0;
  return { reuse, perMessage, banner, stored, memory: memory(server.child.pid!) };
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

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(9);

async function main(): Promise<void> {
  const cli = 'dist/server/cli/main.js';
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first (npm run bench does)`);
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-bench-'));
  const mailsim = await startProcess(
    'mailsim',
    [...binNodeFlags(cli), cli, '--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', join(dir, 'bench.db'), '--max-messages', String(STORED_TARGET)],
    /SMTP {2}127\.0\.0\.1:(\d+)[\s\S]*Ready\./,
  );
  const bare = await startProcess('bare', ['--import', 'tsx', 'bench/bare-smtp-server.ts'], /PORT (\d+)/);
  try {
    console.log(`10 senders, ${MESSAGE.length}-byte messages, up to ${MEASURE_MESSAGES} messages or ${MEASURE_MS / 1000} s per run\n`);
    const ours = await measure(mailsim);
    const theirs = await measure(bare);
    await useDelayScenario(mailsim.httpUrl!, true);
    const delay = await delayAccuracy(mailsim.port);
    await useDelayScenario(mailsim.httpUrl!, false);
    const bareDelay = await delayAccuracy(bare.port);
    const rows: [string, string, string, string][] = [
      ['(a) reused connections  msg/s', fmt(ours.reuse.rate), fmt(theirs.reuse.rate), fmt(ours.reuse.rate / theirs.reuse.rate, 2)],
      ['    end of DATA→250 p50 ms', fmt(ours.reuse.p50, 2), fmt(theirs.reuse.p50, 2), ''],
      ['    end of DATA→250 p99 ms', fmt(ours.reuse.p99, 2), fmt(theirs.reuse.p99, 2), ''],
      ['(b) one connection/message msg/s', fmt(ours.perMessage.rate), fmt(theirs.perMessage.rate), fmt(ours.perMessage.rate / theirs.perMessage.rate, 2)],
      ['    end of DATA→250 p50 ms', fmt(ours.perMessage.p50, 2), fmt(theirs.perMessage.p50, 2), ''],
      ['    end of DATA→250 p99 ms', fmt(ours.perMessage.p99, 2), fmt(theirs.perMessage.p99, 2), ''],
      ['connect→banner p50 ms', fmt(ours.banner.p50, 2), fmt(theirs.banner.p50, 2), ''],
      ['connect→banner p99 ms', fmt(ours.banner.p99, 2), fmt(theirs.banner.p99, 2), ''],
      ['messages stored', fmt(ours.stored), '        -', ''],
      ['RSS now / peak MB', `${fmt(ours.memory.rss, 1)} /${ours.memory.peak.toFixed(1)}`, `${fmt(theirs.memory.rss, 1)} /${theirs.memory.peak.toFixed(1)}`, ''],
      ['process start→ready ms', fmt(mailsim.readyMs), fmt(bare.readyMs), ''],
      ['100 ms delay: overshoot p50 ms', fmt(delay.p50, 2), fmt(bareDelay.p50, 2), ''],
      ['100 ms delay: overshoot p99/max ms', `${fmt(delay.p99, 2)} /${delay.max.toFixed(2)}`, `${fmt(bareDelay.p99, 2)} /${bareDelay.max.toFixed(2)}`, ''],
    ];
    console.log(`${'metric'.padEnd(34)}${'mailsim'.padStart(12)}${'bare'.padStart(16)}${'ratio'.padStart(10)}`);
    for (const [label, a, b, ratio] of rows) console.log(`${label.padEnd(34)}${a.padStart(12)}${b.padStart(16)}${ratio.padStart(10)}`);
    const targets = [
      ['(a) ≥ 0.5 × bare rate', ours.reuse.rate >= 0.5 * theirs.reuse.rate],
      ['(b) ≥ 2000 msg/s', ours.perMessage.rate >= 2000],
      ['peak RSS < 150 MB with 10,000 stored', ours.stored >= STORED_TARGET && ours.memory.peak < 150],
      ['ready < 1000 ms after start', mailsim.readyMs < 1000],
      ['a delay is honoured within 15 ms (p99)', delay.p99 < 15 && delay.p50 > -1],
    ] as const;
    console.log('');
    for (const [name, ok] of targets) console.log(`${ok ? 'PASS' : 'MISS'}  ${name}`);
  } finally {
    mailsim.child.kill('SIGTERM');
    bare.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
