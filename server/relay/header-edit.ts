/**
 * Header edits Mailpit makes to a message before releasing it (server/apiv1/release.go): some
 * fields removed (Bcc), some set to a new value (Date, Message-ID). The header block is split
 * into fields (a field with its folded continuation lines, RFC 5322 §2.2.3), the body is left
 * byte for byte.
 */
export interface HeaderEdits {
  /** Field names to drop, any case. */
  remove?: string[];
  /** Field name → new value: replaces the first such field in place, or goes on top; others of that name are dropped. */
  set?: Record<string, string>;
}

export function editHeaders(raw: Buffer, edits: HeaderEdits): Buffer {
  const end = headerEnd(raw);
  const head = raw.toString('latin1', 0, end);
  const fields = head.split(/\r?\n(?![ \t])/).filter((field) => field !== '');
  const removed = new Set((edits.remove ?? []).map((name) => name.toLowerCase()));
  const pending = new Map(Object.entries(edits.set ?? {}).map(([name, value]) => [name.toLowerCase(), { name, value }]));
  const replaced = new Set<string>();
  const kept: string[] = [];
  for (const field of fields) {
    const name = field.slice(0, Math.max(field.indexOf(':'), 0)).trim().toLowerCase();
    if (removed.has(name)) continue;
    const replacement = pending.get(name);
    if (replacement) {
      if (!replaced.has(name)) kept.push(`${replacement.name}: ${replacement.value}`);
      replaced.add(name);
      continue;
    }
    kept.push(field);
  }
  const top = [...pending.entries()].filter(([name]) => !replaced.has(name)).map(([, { name, value }]) => `${name}: ${value}`);
  const text = [...top, ...kept].map((field) => `${field}\r\n`).join('');
  return Buffer.concat([Buffer.from(text, 'latin1'), raw.subarray(end)]);
}

/** Where the header block ends: at its blank line (kept in the body part), or the end. */
function headerEnd(raw: Buffer): number {
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) return 0;
  const candidates = [raw.indexOf('\r\n\r\n'), raw.indexOf('\n\n')].filter((at) => at >= 0);
  if (candidates.length === 0) return raw.length;
  const at = Math.min(...candidates);
  return raw[at] === 0x0d ? at + 2 : at + 1;
}
