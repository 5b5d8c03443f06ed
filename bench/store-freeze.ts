/**
 * Issue 9 item 4: how long a hostile HTML-only message (repeated `<script `, or `<div>`) freezes mailsim while
 * it is ingested and then opened the way the UI does (GET /api/v1/message/latest), measured
 * beside a well-behaved sender. Prints, per size: the worst event-loop block on the server's
 * thread, the well-behaved sender's worst 250 latency, the hostile message's own 250 and how long
 * opening it took. The server runs in this process so that its event loop is the one measured.
 *
 *   npx tsx bench/store-freeze.ts [sizes in KB, default 80 160 320]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness } from '../server/app/harness.js';
import { silentLog } from '../server/ports/log.js';
import { LeanSmtpClient } from './lean-smtp-client.js';

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const KB = sizes.length ? sizes : [80, 160, 320];

function message(subject: string, type: string, body: string): Buffer {
  return Buffer.from(`From: <bench@example.com>\r\nTo: <sink@example.org>\r\nSubject: ${subject}\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`);
}

const harness = new Harness(
  { smtp: [{ host: '127.0.0.1', port: 0 }], http: { host: '127.0.0.1', port: 0 }, db: ':memory:', quiet: true, tlsDir: join(tmpdir(), 'mailsim-bench-tls') },
  silentLog,
);
const running = await harness.start();
const port = running.smtp[0]!.port;
const api = `http://127.0.0.1:${running.http.port}`;

// Warm up: mailparser loaded on both sides, a first message stored and opened.
const warm = await LeanSmtpClient.open(port);
await warm.greet();
await warm.transaction(message('warm', 'text/html', '<p>hello</p>'));
await (await fetch(`${api}/api/v1/message/latest`)).text();

console.log('HTML | size KB | event-loop block ms | other client worst 250 ms | hostile 250 ms | open ms');
// Unclosed <script (the input), and unclosed <div>: nesting depth is where HTML parsers go
// quadratic. <p>x</p> is a benign message of the same size: the machine's own noise floor.
for (const [tag, kb] of ['<p>x</p>', '<script ', '<div>'].flatMap((tag) => KB.map((kb) => [tag, kb] as const))) {
  const hostile = message(`hostile ${kb}`, 'text/html', tag.repeat(Math.floor((kb * 1024) / tag.length)));
  const good = await LeanSmtpClient.open(port);
  await good.greet();
  const small = message('good', 'text/plain', 'hello');
  let running = true;
  let worst = 0;
  const loop = (async () => {
    while (running) worst = Math.max(worst, await good.transaction(small));
  })();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const sender = await LeanSmtpClient.open(port);
  await sender.greet();
  await sender.send('MAIL FROM:<bench@example.com>\r\n', '250');
  await sender.send('RCPT TO:<sink@example.org>\r\n', '250');
  await sender.send('DATA\r\n', '354');
  const sent = performance.now();
  const reply = await sender.send(Buffer.concat([hostile, Buffer.from('.\r\n')]), '250');
  const hostileMs = performance.now() - sent;
  // Opened by its ID: "latest" is the well-behaved sender's newest message by now.
  const id = harness.mailbox.search({ query: `subject:"hostile ${kb}"`, start: 0, limit: 1 }).messages[0]?.ID ?? reply;
  const opened = performance.now();
  const response = await fetch(`${api}/api/v1/message/${id}`);
  await response.text();
  const openMs = performance.now() - opened;
  running = false;
  await loop;
  lag.disable();
  console.log(`${tag.trim()} | ${kb} | ${(lag.max / 1e6).toFixed(0)} | ${worst.toFixed(0)} | ${hostileMs.toFixed(0)} | ${openMs.toFixed(0)} (HTTP ${response.status})`);
  await Promise.all([good.quit(), sender.quit()]);
}
await warm.quit();
await harness.stop();
