import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export type Impact = 'critical' | 'serious' | 'moderate' | 'minor';
export const IMPACTS: readonly Impact[] = ['critical', 'serious', 'moderate', 'minor'];

export interface Violation {
  id: string;
  impact: Impact;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core on what the page shows now. Its source is evaluated in the page through the
 * driver rather than added as a script tag: the UI's CSP (`script-src 'self'`) rightly refuses
 * inline scripts, and the page keeps that policy while it is checked. Captured mail in the
 * preview iframe is not the UI's markup and is skipped (`iframes: false`).
 */
export async function runAxe(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(
    `axe.run(document, { iframes: false, resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })`,
  )) as { violations: Array<{ id: string; impact: Impact; help: string; nodes: Array<{ target: unknown[] }> }> };
  return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
}

/** Violations counted by impact, one count per affected element. */
export function countByImpact(violations: readonly Violation[]): Record<Impact, number> {
  const counts: Record<Impact, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const v of violations) counts[v.impact] += v.targets.length;
  return counts;
}

/** One line per violation, for a failure message. */
export function describeViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.slice(0, 3).join(', ')}${v.targets.length > 3 ? ', …' : ''})`).join('\n');
}
