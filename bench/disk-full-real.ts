/**
 * bench/disk-full.ts on a disk that is really full (issue 9, item 9): the built CLI with its
 * database on a 16 MiB tmpfs, filled by a file until ENOSPC and freed by removing it. Linux and
 * root only (it mounts the tmpfs). `npx tsx bench/disk-full-real.ts [--rounds 5] [--cli PATH]`.
 * Per round: what a 1 MiB message gets once the disk is full (a 250 only when SQLite still had
 * room in its WAL or free pages, and then the message is stored), how long after the file is
 * removed the first 250 comes (a sender retrying at once) and /readyz is 200, and /readyz again
 * with no mail coming (the writer's probe).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readyz, send } from './disk-full-client.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, cli: { type: 'string', default: 'dist/server/cli/main.js' } } });
const DISK = join(tmpdir(), 'mailsim-disk-full-real');

function mount(): void {
  mkdirSync(DISK, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', DISK]);
}

/** Writes a file until the disk refuses more. */
function fill(): void {
  const fd = openSync(join(DISK, 'filler'), 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

async function start(): Promise<{ child: ChildProcess; port: number; url: string }> {
  const child = spawn(process.execPath, [values.cli, '--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', join(DISK, 'm.db'), '--tls-dir', join(tmpdir(), 'mailsim-hostile-tls'), '--hostname', 'disk.test'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /SMTP {2}\S+:(\d+)/.exec(out)?.[1];
      const url = /HTTP {2}(http:\/\/\S+)/.exec(out)?.[1];
      if (port && url && out.includes('Ready.')) resolve({ child, port: Number(port), url });
    });
    child.once('exit', (code) => reject(new Error(`mailsim exited (${code})`)));
  });
}

const total = async (url: string) => ((await (await fetch(`${url}/api/v1/messages?limit=1`)).json()) as { total: number }).total;
async function until(url: string, status: number): Promise<void> {
  while ((await readyz(url)) !== status) await new Promise((next) => setTimeout(next, 5));
}

async function round() {
  for (const name of readdirSync(DISK)) rmSync(join(DISK, name), { force: true });
  const sim = await start();
  try {
    if (!(await send(sim.port)).startsWith('250 ')) throw new Error('no 250 before the disk filled');
    fill();
    let full = await send(sim.port);
    if (full.startsWith('250 ')) full = `250 (stored: ${(await total(sim.url)) === 2})`;
    await until(sim.url, 503);
    rmSync(join(DISK, 'filler'));
    let freed = performance.now();
    let retries = 0;
    while (!(await send(sim.port)).startsWith('250 ')) retries++;
    const firstAccepted = performance.now() - freed;
    await until(sim.url, 200);
    const readyWithMail = performance.now() - freed;
    fill();
    await send(sim.port);
    await until(sim.url, 503);
    rmSync(join(DISK, 'filler'));
    freed = performance.now();
    await until(sim.url, 200);
    return { full, firstAccepted, retries, readyWithMail, readyWithoutMail: performance.now() - freed };
  } finally {
    sim.child.kill('SIGTERM');
    await new Promise((resolve) => sim.child.once('exit', resolve));
  }
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${sorted[0]!.toFixed(0)} / ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} / ${sorted.at(-1)!.toFixed(0)}`;
};

mount();
try {
  const runs: Awaited<ReturnType<typeof round>>[] = [];
  for (let r = 0; r < Number(values.rounds); r++) runs.push(await round());
  console.log(`a full tmpfs, ${runs.length} rounds (ms from the filler removed, min / median / max)`);
  console.log(`a 1 MiB message once full: ${[...new Set(runs.map((r) => r.full))].map((f) => `${runs.filter((r) => r.full === f).length} x ${f}`).join(', ')}`);
  console.log(`first 250: ${stats(runs.map((r) => r.firstAccepted))} (452s before it: ${stats(runs.map((r) => r.retries))})`);
  console.log(`/readyz 200, mail waiting: ${stats(runs.map((r) => r.readyWithMail))}; no mail: ${stats(runs.map((r) => r.readyWithoutMail))}`);
} finally {
  execFileSync('umount', [DISK]);
}
