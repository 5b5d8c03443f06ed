/**
 * The Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then one line per
 * series, `name{label="value"} number`. Label values escape backslash, double quote and newline.
 */
export type MetricType = 'counter' | 'gauge' | 'summary';
export type Labels = Record<string, string>;

export interface Family {
  name: string;
  help: string;
  type: MetricType;
  /** `suffix` names a summary's `_sum` and `_count` lines. */
  series: Array<{ labels?: Labels; value: number; suffix?: '_sum' | '_count' }>;
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export function render(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const { labels, value, suffix = '' } of family.series) {
      const entries = Object.entries(labels ?? {});
      const text = entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      lines.push(`${family.name}${suffix}${text} ${formatValue(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A counter per label set, keyed by the label values in a fixed order. */
export class LabelledCounter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(private readonly labelNames: readonly string[]) {}

  inc(labels: Labels, by = 1): void {
    const key = JSON.stringify(this.labelNames.map((name) => labels[name] ?? ''));
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels: Object.fromEntries(this.labelNames.map((name) => [name, labels[name] ?? ''])), value: by });
  }

  series(): Array<{ labels: Labels; value: number }> {
    return [...this.#values.values()].sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
  }
}
