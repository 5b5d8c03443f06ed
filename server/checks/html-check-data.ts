import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Marked, type Tokens } from 'marked';
import { packageRoot } from '../util/package-root.js';

/** One caniemail.com feature as the data set publishes it (vendor/caniemail/caniemail.json). */
interface Feature {
  slug: string;
  title: string;
  description: string | null;
  url: string;
  category: string;
  tags: string[];
  /** family → platform → client version → support: `y`, `n`, `a` (partial), `u` (unknown), then ` #N` note numbers. */
  stats: Record<string, Record<string, Record<string, string>>>;
  notes_by_num: Record<string, string> | null;
}
interface DataSet {
  last_update_date: string;
  nicenames: { family: Record<string, string>; platform: Record<string, string> };
  data: Feature[];
}

/** Mailpit's HTMLCheckResult. */
export interface HtmlCheckResult {
  Name: string;
  Platform: string;
  Family: string;
  Version: string;
  Support: 'yes' | 'no' | 'partial';
  NoteNumber: string;
}
export interface HtmlCheckScore {
  Found: number;
  Supported: number;
  Partial: number;
  Unsupported: number;
}
/** Mailpit's HTMLCheckWarning. */
export interface HtmlCheckWarning {
  Slug: string;
  Title: string;
  Description: string;
  URL: string;
  Category: string;
  Tags: string[];
  Keywords: string;
  Results: HtmlCheckResult[];
  NotesByNumber: Record<string, string>;
  Score: HtmlCheckScore;
}

// caniemail.com's data set as npm caniemail 2.0.2 ships it, vendored (vendor/caniemail/README.md says
// why and how to update); read once per thread, where the check runs.
const dataSet = createRequire(import.meta.url)(join(packageRoot(), 'vendor', 'caniemail', 'caniemail.json')) as DataSet;
const bySlug = new Map(dataSet.data.map((feature) => [feature.slug, feature]));

export const dataUpdated = dataSet.last_update_date;
export const knownSlugs = (): string[] => [...bySlug.keys()];

/**
 * Descriptions and notes are Markdown (code spans, links, emphasis); Mailpit answers them as
 * HTML. Raw HTML in the text is escaped (the UI shows these with {@html}) and links open apart.
 */
const markdown = new Marked({
  async: false,
  renderer: {
    html: (token: Tokens.HTML | Tokens.Tag) => escapeHtml(token.text),
    link(token: Tokens.Link) {
      const safe = /^https?:\/\//i.test(token.href) ? token.href : '#';
      return `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener noreferrer">${this.parser.parseInline(token.tokens)}</a>`;
    },
  },
});
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const toHtml = (text: string | null) => (text ? (markdown.parseInline(text) as string) : '');

/** The platforms tested and the client families on each (Mailpit's `Platforms`), nice names sorted. */
export const platforms: Record<string, string[]> = (() => {
  const found: Record<string, Set<string>> = {};
  for (const feature of dataSet.data) {
    for (const [family, byPlatform] of Object.entries(feature.stats)) {
      for (const platform of Object.keys(byPlatform)) (found[platform] ??= new Set()).add(dataSet.nicenames.family[family] ?? family);
    }
  }
  return Object.fromEntries(Object.entries(found).map(([platform, families]) => [platform, [...families].sort()]));
})();

/** `a #1 #3` → partial, note 1. Unknown (`u`) says nothing about a client and is left out. */
function support(value: string): Pick<HtmlCheckResult, 'Support' | 'NoteNumber'> | undefined {
  const note = /#(\d+)/.exec(value)?.[1] ?? '';
  switch (value.trim()[0]) {
    case 'y':
      return { Support: 'yes', NoteNumber: note };
    case 'n':
      return { Support: 'no', NoteNumber: note };
    case 'a':
      return { Support: 'partial', NoteNumber: note };
    default:
      return undefined;
  }
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : (part / whole) * 100);

/** The warning for a feature the message uses `found` times, with every client's support and the share of each. */
export function warningFor(slug: string, found: number): HtmlCheckWarning | undefined {
  const feature = bySlug.get(slug);
  if (!feature) return undefined;
  const results: HtmlCheckResult[] = [];
  for (const [family, byPlatform] of Object.entries(feature.stats)) {
    for (const [platform, versions] of Object.entries(byPlatform)) {
      for (const [version, value] of Object.entries(versions)) {
        const verdict = support(value);
        if (!verdict) continue;
        const name = `${dataSet.nicenames.family[family] ?? family} ${dataSet.nicenames.platform[platform] ?? platform} (${version})`;
        results.push({ Name: name, Platform: platform, Family: family, Version: version, ...verdict });
      }
    }
  }
  const count = (s: HtmlCheckResult['Support']) => results.filter((r) => r.Support === s).length;
  return {
    Slug: feature.slug,
    Title: feature.title,
    Description: toHtml(feature.description),
    URL: feature.url,
    Category: feature.category,
    Tags: feature.tags ?? [],
    Keywords: '',
    Results: results,
    NotesByNumber: Object.fromEntries(Object.entries(feature.notes_by_num ?? {}).map(([n, note]) => [n, toHtml(note)])),
    Score: {
      Found: found,
      Supported: percent(count('yes'), results.length),
      Partial: percent(count('partial'), results.length),
      Unsupported: percent(count('no'), results.length),
    },
  };
}
