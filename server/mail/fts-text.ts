/**
 * What the trigram index (message_fts, database.ts) is given for one long column: each distinct
 * trigram of the text once, with a separator between them, instead of the text.
 *
 * Issue 9, item 8: a message to 100,000 recipients has ~2 MB in rcpt_lc and as much in bcc_lc;
 * FTS5 tokenised them in one insert that held the writer thread ~214 ms, and every other
 * client's commit (and so its 250) waited behind it. Their distinct trigrams are a few thousand.
 *
 * The candidates stay exactly the same, or more: message_fts is detail=column, so it records
 * only whether a row's column holds a trigram, never where, and searches ask for trigrams alone,
 * ANDed (search-sql.ts, trigramQuery). Every trigram of the text is in the set; the separator
 * adds trigrams of its own (a query naming one gets extra candidates, which the LIKE then drops).
 * A change to phrase or NEAR queries, or to detail=full, must drop this.
 */

/** Shorter columns are indexed as they are: the set would save little. */
export const LONG_COLUMN = 4_096;
const SEPARATOR = '\u0001';

/** The distinct trigrams of `text`, separated; `text` itself when that is no shorter. */
export function trigramSet(text: string): string {
  // 128^3 bits: an ASCII trigram is a bit, any other a string in `rest`.
  const ascii = new Uint8Array((1 << 21) >> 3);
  const rest = new Set<string>();
  const out: string[] = [];
  // FTS5's trigram tokenizer counts characters (code points), not UTF-16 units.
  let c0 = -1;
  let c1 = -1;
  for (let i = 0; i < text.length; i++) {
    let c2 = text.charCodeAt(i);
    if (c2 >= 0xd800 && c2 <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        c2 = 0x10000 + ((c2 - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (c0 >= 0) {
      if (c0 < 128 && c1 < 128 && c2 < 128) {
        const key = (c0 << 14) | (c1 << 7) | c2;
        const bit = 1 << (key & 7);
        if (!((ascii[key >> 3] as number) & bit)) {
          ascii[key >> 3] = (ascii[key >> 3] as number) | bit;
          out.push(String.fromCharCode(c0, c1, c2));
        }
      } else {
        const trigram = String.fromCodePoint(c0, c1, c2);
        if (!rest.has(trigram)) {
          rest.add(trigram);
          out.push(trigram);
        }
      }
    }
    c0 = c1;
    c1 = c2;
  }
  const set = out.join(SEPARATOR);
  return set.length < text.length ? set : text;
}
