/**
 * Header map as Mailpit returns it: Go's canonical key spelling ("Message-Id"), values unfolded
 * but not decoded, repeated headers in order. Read from the raw bytes so nothing is normalised.
 */
export function headerMap(raw: Buffer): Record<string, string[]> {
  // Decode only the header block: the body can be 25 MiB.
  // Look for a bare-LF blank line only before the CRLF one, or a CRLF message is searched to its end.
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.subarray(0, crlf >= 0 ? crlf : raw.length).indexOf('\n\n');
  const end = lf >= 0 ? lf : crlf >= 0 ? crlf : raw.length;
  const block = raw.toString('utf8', 0, end);
  const map: Record<string, string[]> = {};
  for (const line of block.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = canonicalKey(line.slice(0, colon).trim());
    (map[key] ??= []).push(line.slice(colon + 1).trim());
  }
  return map;
}

function canonicalKey(key: string): string {
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, char: string) => dash + char.toUpperCase());
}
