/**
 * npm run bench:ui: the web UI with 50,000 stored messages, in headless chromium.
 * Measures the first screen, rows in the DOM, JS heap, jumping through the list, and the time
 * from an SMTP 250 to the row being visible with the page open (p50/p95), then a burst of
 * 1,000 messages for responsiveness. Not a test: it prints figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Harness } from '../server/app/harness.js';
import { LeanSmtpClient } from './lean-smtp-client.js';
import { logTo } from '../server/ports/log.js';

const STORED = Number(process.env.BENCH_MESSAGES ?? 50_000);
const SENDERS = 10;
const LIVE_SAMPLES = 300;
const BURST = 1000;
const CHROMIUM = process.env.MAILSIM_CHROMIUM ?? '/usr/bin/chromium';

const line = 'The quick brown fox jumps over the lazy dog, again and again.';
function message(subject: string): Buffer {
  const body = `${line}\r\n`.repeat(12);
  return Buffer.from(`From: Bench <bench@example.com>\r\nTo: qa@example.org\r\nSubject: ${subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`, 'latin1');
}

/** One transaction; resolves with the stored ID and the wall-clock time the 250 arrived. */
async function deliver(client: LeanSmtpClient, subject: string): Promise<{ id: string; ackAt: number }> {
  await client.send('MAIL FROM:<bench@example.com>\r\n', '250');
  await client.send('RCPT TO:<qa@example.org>\r\n', '250');
  await client.send('DATA\r\n', '354');
  await client.send(Buffer.concat([message(subject), Buffer.from('.\r\n')]), '250');
  const ackAt = Date.now();
  return { id: '', ackAt };
}

async function deliverWithId(client: LeanSmtpClient, subject: string): Promise<{ id: string; ackAt: number }> {
  await client.send('MAIL FROM:<bench@example.com>\r\n', '250');
  await client.send('RCPT TO:<qa@example.org>\r\n', '250');
  await client.send('DATA\r\n', '354');
  const reply = await client.send(Buffer.concat([message(subject), Buffer.from('.\r\n')]), '250');
  const ackAt = Date.now();
  return { id: /queued as (\S+)/.exec(reply)?.[1] ?? '', ackAt };
}

async function fill(port: number, count: number, prefix: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      const client = await LeanSmtpClient.open(port);
      await client.greet();
      while (next < count) await deliver(client, `${prefix} ${next++}`);
      await client.quit();
    }),
  );
  return (performance.now() - started) / 1000;
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mailsim-bench-ui-'));
  const harness = new Harness(
    { smtp: [{ host: '127.0.0.1', port: 0 }], http: { host: '127.0.0.1', port: 0 }, db: join(dir, 'bench.db'), maxMessages: STORED + 10_000, hostname: 'bench.test', quiet: true },
    logTo((level, m) => {
      if (level === 'warn' || level === 'error' || level === 'fatal') console.error(`mailsim: ${m}`);
    }),
  );
  const running = await harness.start();
  const url = `http://127.0.0.1:${running.http.port}`;
  const smtpPort = running.smtp[0]!.port;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  try {
    console.log(`mailsim UI benchmark (${STORED.toLocaleString('en')} messages, headless chromium ${browser.version()})`);
    const fillSeconds = await fill(smtpPort, STORED, 'Stored message');
    console.log(`  fill:               ${STORED} messages through SMTP (${SENDERS} connections) in ${fillSeconds.toFixed(1)} s (${Math.round(STORED / fillSeconds)} msg/s)`);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript({
      content: `
        window.__seen = {};
        window.__firstRow = 0;
        window.__longTasks = [];
        new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
        new MutationObserver((records) => {
          const now = Date.now();
          for (const r of records) {
            const nodes = r.type === 'attributes' ? [r.target] : [...r.addedNodes];
            for (const n of nodes) {
              if (n.nodeType !== 1) continue;
              const rows = n.matches('[data-id]') ? [n] : [...n.querySelectorAll('[data-id]')];
              for (const row of rows) {
                if (!window.__firstRow) window.__firstRow = performance.now();
                const id = row.getAttribute('data-id');
                if (!(id in window.__seen)) window.__seen[id] = now;
              }
            }
          }
        }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-id'] });
      `,
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
    };
    const t0 = Date.now();
    await page.goto(url);
    await page.locator('[data-id]').first().waitFor();
    const wall = Date.now() - t0;
    const firstRow = (await page.evaluate('window.__firstRow')) as number;
    const rows = await page.locator('[data-id]').count();
    const dom = (await page.evaluate('document.getElementsByTagName("*").length')) as number;
    const heapFirst = await heap();
    console.log(`  first screen:       ${ms(firstRow)} after navigation start (${wall} ms from goto to first row, as seen by the driver)`);
    console.log(`  rows in the DOM:    ${rows} (of ${STORED.toLocaleString('en')}), ${dom} elements in the page`);
    console.log(`  JS heap:            ${mb(heapFirst)} after the first screen`);

    // Jumps through the list: the middle, the end, back to the top.
    const viewport = page.getByRole('grid', { name: 'Messages, newest first' });
    for (const [label, fraction] of [['middle', 0.5], ['end', 1], ['top', 0]] as const) {
      const started = Date.now();
      await viewport.evaluate((el: { scrollTop: number; scrollHeight: number }, f: number) => (el.scrollTop = f * el.scrollHeight), fraction);
      const index = fraction === 0 ? 1 : Math.max(1, Math.floor(fraction * STORED) - 5);
      await page.locator(`[data-id][aria-rowindex="${Math.min(index, STORED)}"]`).waitFor();
      console.log(`  jump to the ${label.padEnd(6)}   rows shown after ${Date.now() - started} ms, ${await page.locator('[data-id]').count()} rows in the DOM`);
    }
    const heapAfter = await heap();
    console.log(`  JS heap:            ${mb(heapAfter)} after jumping through the list`);

    // 250 → row visible, with the page open at the top.
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const client = await LeanSmtpClient.open(smtpPort);
    await client.greet();
    const acks: Array<{ id: string; ackAt: number }> = [];
    for (let i = 0; i < LIVE_SAMPLES; i++) {
      acks.push(await deliverWithId(client, `Live ${i}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await page.locator(`[data-id="${acks[acks.length - 1]!.id}"]`).waitFor();
    const seen = (await page.evaluate('window.__seen')) as Record<string, number>;
    const latencies = acks.filter((a) => seen[a.id] !== undefined).map((a) => seen[a.id]! - a.ackAt);
    console.log(
      `  250 → row visible:  p50 ${ms(pct(latencies, 50))}, p95 ${ms(pct(latencies, 95))}, max ${ms(Math.max(...latencies))} over ${latencies.length}/${LIVE_SAMPLES} messages ` +
        '(negative: the row showed before the client had read its 250; mailsim publishes before it replies)',
    );

    // A burst: 1,000 messages as fast as 10 connections go, with the page open.
    await page.evaluate('window.__longTasks = []');
    const burstSeconds = await fill(smtpPort, BURST, 'Burst');
    const expected = STORED + LIVE_SAMPLES + BURST;
    await page.getByText(`${expected.toLocaleString('en')} messages`).first().waitFor({ timeout: 30_000 });
    const longTasks = (await page.evaluate('window.__longTasks')) as number[];
    console.log(
      `  burst:              ${BURST} messages in ${burstSeconds.toFixed(2)} s (${Math.round(BURST / burstSeconds)} msg/s); page kept up, ` +
        `${longTasks.length} long tasks (longest ${ms(Math.max(0, ...longTasks))}), ${await page.locator('[data-id]').count()} rows in the DOM, heap ${mb(await heap())}`,
    );
    await client.quit();
    console.log('  targets:            first screen < 1000 ms, < 300 rows, heap < 100 MB, p95 < 50 ms');
  } finally {
    await browser.close();
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
