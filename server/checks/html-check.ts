import { knownSlugs, platforms, warningFor, type HtmlCheckWarning } from './html-check-data.js';
import { scanHtml } from './html-scan.js';

export type { HtmlCheckResult, HtmlCheckScore, HtmlCheckWarning } from './html-check-data.js';

/** Mailpit's HTMLCheckResponse (GET /api/v1/message/{ID}/html-check). */
export interface HtmlCheckReport {
  Platforms: Record<string, string[]>;
  Total: { Nodes: number; Tests: number; Supported: number; Partial: number; Unsupported: number };
  Warnings: HtmlCheckWarning[];
}

/** Mailpit's own warning: caniemail has no entry for scripts, which no email client runs. */
function scriptWarning(found: number): HtmlCheckWarning {
  return {
    Slug: 'html-script',
    Title: '<script> element',
    Description: 'JavaScript is not supported in any email client.',
    URL: '',
    Category: 'html',
    Tags: [],
    Keywords: '',
    Results: [],
    NotesByNumber: {},
    Score: { Found: found, Supported: 0, Partial: 0, Unsupported: 100 },
  };
}

/**
 * How much of the document a warning weighs: its share of clients without (full) support, scaled
 * by how much of the document uses it. A feature used on every element weighs its whole share.
 */
const weight = (w: HtmlCheckWarning, nodes: number, share: number) => (share * Math.min(w.Score.Found, nodes)) / Math.max(nodes, 1);

const slugs = knownSlugs();

/**
 * The HTML compatibility report Mailpit gives: each caniemail feature the message uses, with
 * every client's support; the overall score is set by the worst feature (as Mailpit's is), worst first.
 */
export function checkHtml(html: string): HtmlCheckReport {
  const usage = scanHtml(html, slugs);
  const warnings: HtmlCheckWarning[] = [];
  for (const [slug, found] of usage.found) {
    const warning = slug === 'html-script' ? scriptWarning(found) : warningFor(slug, found);
    if (warning) warnings.push(warning);
  }
  const worst = (pick: (w: HtmlCheckWarning) => number) => Math.max(0, ...warnings.map((w) => weight(w, usage.nodes, pick(w))));
  const partial = worst((w) => w.Score.Partial);
  const unsupported = worst((w) => w.Score.Unsupported);
  const badness = (w: HtmlCheckWarning) => weight(w, usage.nodes, w.Score.Partial + w.Score.Unsupported);
  warnings.sort((a, b) => badness(b) - badness(a) || a.Slug.localeCompare(b.Slug));
  return {
    Platforms: platforms,
    Total: { Nodes: usage.nodes, Tests: usage.tests, Supported: Math.max(0, 100 - partial - unsupported), Partial: partial, Unsupported: unsupported },
    Warnings: warnings,
  };
}
