/**
 * npm run bench:disk-full (issue 9, item 9): what a client gets while the store's disk is full,
 * and how long after space is back mailsim answers 250 again and /readyz turns 200. The disk
 * fills as test/hardening-store-disk.test.ts fills it: SQLite's max_page_count set to 1 on the
 * writer's connection (SQLITE_FULL, as from a full disk), space freed by lifting it. Each round
 * runs a fresh built mailsim in this process, its database in a file:
 * - "first 250": a sender retrying at once after each 452 from the moment space is freed (beside
 *   what the same 1 MiB transaction takes when the disk is not full);
 * - "ready, no mail": nothing is sent, /readyz is polled (the writer probes for space itself).
 * `--base DIR` (a built checkout) alternates it with this one, round by round.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readyz, send } from './disk-full-client.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, base: { type: 'string' } } });
const ROUNDS = Number(values.rounds);
const BUILDS = [...(values.base ? [{ label: 'base', root: resolve(values.base) }] : []), { label: values.base ? 'new' : '', root: resolve('.') }];
const TLS_DIR = join(tmpdir(), 'mailsim-hostile-tls');

interface Sim {
  harness: { start(): Promise<{ smtp: { port: number }[]; http: { port: number } }>; stop(): Promise<void>; mailbox: { limitPages(pages: number | null): Promise<number> } };
  smtpPort: number;
  url: string;
  dir: string;
}

async function start(root: string): Promise<Sim> {
  const { Harness } = (await import(pathToFileURL(join(root, 'dist/server/app/harness.js')).href)) as { Harness: new (config: object, log: object) => Sim['harness'] };
  const { silentLog } = (await import(pathToFileURL(join(root, 'dist/server/ports/log.js')).href)) as { silentLog: object };
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-disk-full-'));
  const harness = new Harness({ smtp: [{ host: '127.0.0.1', port: 0 }], http: { host: '127.0.0.1', port: 0 }, db: join(dir, 'm.db'), hostname: 'bench.test', tlsDir: TLS_DIR, quiet: true }, silentLog);
  const running = await harness.start();
  return { harness, smtpPort: running.smtp[0]!.port, url: `http://127.0.0.1:${running.http.port}`, dir };
}


/** Fills the disk and waits until /readyz says so; returns what the client got. */
async function fill(sim: Sim): Promise<string> {
  await sim.harness.mailbox.limitPages(1);
  const refused = await send(sim.smtpPort);
  while ((await readyz(sim.url)) !== 503) await new Promise((next) => setImmediate(next));
  return refused;
}

async function round(root: string): Promise<{ healthy: number; refused: string; firstAccepted: number; retries: number; readyWithMail: number; readyWithoutMail: number }> {
  const sim = await start(root);
  try {
    await send(sim.smtpPort);
    const before = performance.now();
    if (!(await send(sim.smtpPort)).startsWith('250 ')) throw new Error('no 250 before the disk filled');
    const healthy = performance.now() - before;
    const refused = await fill(sim);
    let freed = performance.now();
    await sim.harness.mailbox.limitPages(null);
    let retries = 0;
    while (!(await send(sim.smtpPort)).startsWith('250 ')) retries++;
    const firstAccepted = performance.now() - freed;
    while ((await readyz(sim.url)) !== 200) await new Promise((next) => setImmediate(next));
    const readyWithMail = performance.now() - freed;

    await fill(sim);
    freed = performance.now();
    await sim.harness.mailbox.limitPages(null);
    while ((await readyz(sim.url)) !== 200) await new Promise((next) => setTimeout(next, 2));
    const readyWithoutMail = performance.now() - freed;
    if (!(await send(sim.smtpPort)).startsWith('250 ')) throw new Error('no 250 once ready again');
    return { healthy, refused, firstAccepted, retries, readyWithMail, readyWithoutMail };
  } finally {
    await sim.harness.stop();
    rmSync(sim.dir, { recursive: true, force: true });
  }
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${sorted[0]!.toFixed(0)} / ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} / ${sorted.at(-1)!.toFixed(0)}`;
};

const results = new Map(BUILDS.map((b) => [b.label, [] as Awaited<ReturnType<typeof round>>[]]));
for (let r = 0; r < ROUNDS; r++) for (const build of BUILDS) results.get(build.label)!.push(await round(build.root));

console.log(`disk full, ${ROUNDS} rounds (ms, min / median / max from space freed)`);
console.log('| build | while full, a client gets | the same 250 with space | first 250 | 452s before it | /readyz 200, mail waiting | /readyz 200, no mail |');
console.log('|-------|---------------------------|-------------------------|-----------|----------------|---------------------------|----------------------|');
for (const [label, runs] of results) {
  const replies = [...new Set(runs.map((r) => r.refused))].join('; ');
  console.log(`| ${label} | ${replies} | ${stats(runs.map((r) => r.healthy))} | ${stats(runs.map((r) => r.firstAccepted))} | ${stats(runs.map((r) => r.retries))} | ${stats(runs.map((r) => r.readyWithMail))} | ${stats(runs.map((r) => r.readyWithoutMail))} |`);
}
