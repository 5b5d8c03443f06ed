import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHtml } from '../server/checks/html-check.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

const slugsOf = (html: string) => checkHtml(html).Warnings.map((w) => w.Slug);

describe('html-check: what a message uses, by caniemail slug', () => {
  it('finds elements, attributes, image formats and scripts', () => {
    const slugs = slugsOf('<body><svg></svg><video></video><img src="a.webp"><img src="data:image/png;base64,AA=="><a href="#top">x</a><a href="mailto:a@b">m</a><form><input type="submit"></form><script>1</script><script type="application/ld+json">{}</script></body>');
    expect(slugs).toEqual(expect.arrayContaining(['html-body', 'html-svg', 'html-video', 'image-webp', 'image-base64', 'html-anchor-links', 'html-mailto-links', 'html-form', 'html-input-submit', 'html-button-submit', 'html-script']));
    const script = checkHtml('<script>1</script><script type="application/ld+json">{}</script>').Warnings.find((w) => w.Slug === 'html-script');
    expect(script?.Score).toEqual({ Found: 1, Supported: 0, Partial: 0, Unsupported: 100 });
  });

  it('finds CSS in style attributes and style elements: properties, values, units, at-rules, pseudo-classes', () => {
    const html = `<style>/* c */ @media (prefers-color-scheme: dark) { a:focus-visible > b { color: rgb(1,2,3) } } p::before { content: "" }</style>
      <p style="display:inline-flex; border-radius: 2rem; gap: 4px; --brand: red">x</p>`;
    const usage = new Map(checkHtml(html).Warnings.map((w) => [w.Slug, w.Score.Found]));
    for (const slug of ['html-style', 'css-comments', 'css-at-media', 'css-at-media-prefers-color-scheme', 'css-pseudo-class-focus-visible', 'css-selector-child', 'css-rgb', 'css-pseudo-element-before', 'css-display-flex', 'css-border-radius', 'css-unit-rem', 'css-gap', 'css-variables']) {
      expect(usage.get(slug), slug).toBeGreaterThan(0);
    }
    // :focus-visible is not :focus, and nothing here is a grid.
    expect(usage.has('css-pseudo-class-focus')).toBe(false);
    expect(usage.has('css-display-grid')).toBe(false);
  });

  it('gives every client result with its support and note, worst warning first', () => {
    const report = checkHtml('<div style="display:flex">a</div><p style="color:red">b</p>');
    const flex = report.Warnings.find((w) => w.Slug === 'css-display-flex')!;
    expect(flex.Results.every((r) => ['yes', 'no', 'partial'].includes(r.Support))).toBe(true);
    const noted = flex.Results.find((r) => r.NoteNumber);
    expect(noted && flex.NotesByNumber[noted.NoteNumber]).toBeTruthy();
    const bad = (w: (typeof report.Warnings)[number]) => (w.Score.Partial + w.Score.Unsupported) * Math.min(w.Score.Found, report.Total.Nodes);
    expect(report.Warnings.map(bad)).toEqual(report.Warnings.map(bad).sort((a, b) => b - a));
    expect(report.Total.Nodes).toBe(2);
  });

  it('answers descriptions and notes as HTML with raw markup escaped', () => {
    const all = checkHtml('<style>a{background-image:url(x)}</style>').Warnings.flatMap((w) => [w.Description, ...Object.values(w.NotesByNumber)]);
    expect(all.some((text) => text.includes('<code>'))).toBe(true);
    expect(all.some((text) => /<(?!\/?(code|a|em|strong)\b)[a-z]/i.test(text))).toBe(false);
  });

  it('stays linear on hostile CSS (no delimiters, unbalanced brackets, a million selectors)', () => {
    const hostile = `<style>${'a:'.repeat(300_000)}${'[x'.repeat(100_000)}${'@media '.repeat(50_000)}</style><p style="${'-'.repeat(500_000)}">x</p>`;
    const started = performance.now();
    expect(checkHtml(hostile).Total.Nodes).toBe(2);
    // Not a timing assertion (the machine is shared); a quadratic scan would take minutes here.
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});

describe('GET /api/v1/message/{ID}/html-check over the API', () => {
  let sim: TestSim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  const send = (HTML: string, Text = '') =>
    getJson<{ ID: string }>(`${sim.url}/api/v1/send`, { method: 'POST', body: JSON.stringify({ From: { Email: 'a@example.com' }, To: [{ Email: 'b@example.org' }], Subject: 'html', HTML, Text }) });

  it('checks a large message on its own thread while the event loop keeps serving', async () => {
    // ~1.7 MiB of table markup with inline styles: a second of parsing, none of it on this loop.
    const row = '<tr><td style="display:flex;padding:4px;border-radius:3px" bgcolor="#fff">cell</td></tr>';
    const { body } = await send(`<html><body><table>${row.repeat(20_000)}</table></body></html>`);
    await getJson(`${sim.url}/api/v1/message/${body.ID}/html-check`); // starts the thread
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const check = getJson(`${sim.url}/api/v1/message/${body.ID}/html-check`);
    const live = await fetch(`${sim.url}/livez`);
    expect(live.status).toBe(200);
    const { status, body: report } = await check;
    delay.disable();
    expect(status).toBe(200);
    expect(report.Total.Nodes).toBeGreaterThan(40_000);
    expect(report.Warnings.find((w: { Slug: string }) => w.Slug === 'css-display-flex').Score.Found).toBe(20_000);
    // Reported, not asserted (timings are for benchmarks): the longest stall of this loop during the check.
    console.log(`html-check of ${(row.length * 20_000 / 2 ** 20).toFixed(1)} MiB: longest event-loop stall ${(delay.max / 1e6).toFixed(0)} ms`);
  });

  it('answers 400 for a message without HTML and 404 for an unknown one, and the server stays up', async () => {
    const { body } = await send('', 'just text');
    const text = await getJson(`${sim.url}/api/v1/message/${body.ID}/html-check`);
    expect(text).toMatchObject({ status: 400, body: { Error: 'message does not contain HTML' } });
    expect((await getJson(`${sim.url}/api/v1/message/nope/html-check`)).status).toBe(404);
    expect((await fetch(`${sim.url}/livez`)).status).toBe(200);
  });
});
