/**
 * One process of `npm run bench:store`, run against the mailsim source tree given as `root`
 * (this branch, or a copy of main), so both are measured by the same code in the same run:
 *
 *   tsx bench/store-child.ts fill    <root> <db> <count>   fills through the writer's own path
 *   tsx bench/store-child.ts serve   <root> <db> <count>   serves it over HTTP until stdin ends
 *                                                          (root's dist/ when built, with the bin's node flags)
 *
 * Prints one JSON line. The fill skips SMTP and mailparser (the corpus brings its own summary)
 * but not the store: every message goes through MailWriter's ingest, as captured mail does.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Corpus } from './store-corpus.js';

const [mode, root, db, countText] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countText);
const from = (path: string) => import(pathToFileURL(join(root, path)).href);

async function fill(): Promise<Record<string, number>> {
  const { openDatabase } = await from('server/mail/database.ts');
  const { MailWriter } = await from('server/mail/mail-writer.ts');
  const database = openDatabase({ path: db });
  const writer = new MailWriter(database, { maxMessages: count, maxSessions: count }, { sources: ['x-tags'] });
  const corpus = new Corpus();
  const started = performance.now();
  const now = Date.UTC(2026, 0, 1);
  for (let first = 0; first < count; first += 500) {
    const batch = [];
    for (let n = first; n < Math.min(count, first + 500); n++) {
      const { raw, parsed, envelope } = corpus.message(n);
      const session = {
        id: `S${Math.floor(n / 10)}`, started: now + n * 1000, ended: null, client: { address: '127.0.0.1', port: 40_000 + (n % 1000) },
        server: { address: '127.0.0.1', port: 1025 }, helo: 'bench.test', tls: null, user: '', outcome: 'active', outcomeCode: null,
        outcomeDetail: '', messages: 0, transactions: [], transcript: [],
      };
      batch.push(writer.handle({ op: 'ingest', raw: new Uint8Array(raw), parsed, envelope, session, now: now + n * 1000 }));
    }
    await Promise.all(batch);
  }
  // A third read, as a mailbox someone works through would be.
  await writer.handle({ op: 'setRead', read: true, target: { filter: { where: 'm.seq % 3 = 0', params: [] } } });
  writer.flush();
  const fillMs = performance.now() - started;
  // A store that has been idle a moment has its search index written (search-index.ts).
  const indexStarted = performance.now();
  writer.messages.index?.catchUp();
  const indexMs = performance.now() - indexStarted;
  database.pragma('wal_checkpoint(TRUNCATE)');
  database.close();
  return { fillMs, indexMs, dbBytes: statSync(db).size };
}

function peakRssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

/** Serves the store over HTTP until stdin closes; the client is the parent process, so its cost is not counted here. */
async function serve(): Promise<Record<string, number>> {
  // The built server where the tree has one, as users run it: booting each thread through tsx
  // (thread-spawn.ts) held ~70 MB more at 100,000 stored than the built threads do.
  const built = existsSync(join(root, 'dist/server/app/harness.js'));
  const { Harness } = await from(built ? 'dist/server/app/harness.js' : 'server/app/harness.ts');
  const { silentLog } = await from(built ? 'dist/server/ports/log.js' : 'server/ports/log.ts');
  const harness = new Harness(
    { smtp: [{ host: '127.0.0.1', port: 0 }], http: { host: '127.0.0.1', port: 0 }, db, maxMessages: count * 2, maxSessions: count * 2, quiet: true, tlsDir: join(tmpdir(), 'mailsim-bench-tls') },
    silentLog,
  );
  const running = await harness.start();
  console.log(JSON.stringify({ port: running.http.port }));
  await new Promise((resolve) => {
    process.stdin.resume();
    process.stdin.once('end', resolve);
  });
  const peak = peakRssMb();
  await harness.stop();
  return { 'peak RSS MB': peak };
}

if (mode === 'fill' || mode === 'serve') {
  const result = mode === 'fill' ? await fill() : await serve();
  console.log(JSON.stringify(result));
}
