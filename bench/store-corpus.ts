/**
 * A deterministic, varied corpus for the store bench and the search-equivalence test: mixed
 * senders and recipients, subjects and bodies from a vocabulary with a long tail, some Cc, some
 * X-Tags, some attachments with file names. Each message comes as its raw bytes and as the
 * summary the ingest parse would produce of it, so a bench can fill the store through the
 * writer's own path without paying for mailparser on every message.
 */
import type { Address } from '../server/protocol.js';
import type { ParsedSummary } from '../server/mail/summary.js';

/** mulberry32: small, fast, seeded. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = 'the and for you your with this that from have will are our order account please team update new time here more about today thanks'.split(' ');
const SYLLABLES = 'ka lo mi ra ne su to vi ba de fo gu ha ji ke li mo nu pe qu ri sa ti ul ve wa xe yo za'.split(' ');
const FIRST = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Niaj', 'Olivia', 'Peggy', 'Rupert', 'Sybil', 'Trent', 'Victor', 'Walter', 'Zoë'];
const DOMAINS = ['example.com', 'example.org', 'mail.test', 'shop.example', 'bank.example', 'news.test'];
const EXTENSIONS = ['pdf', 'csv', 'png', 'docx', 'zip', 'ics'];

export interface CorpusMessage {
  raw: Buffer;
  parsed: ParsedSummary;
  envelope: { from: string; to: string[] };
}

export class Corpus {
  readonly #random: () => number;
  readonly #vocabulary: string[];

  constructor(seed = 14) {
    this.#random = seeded(seed);
    // 3,000 made-up words: any one of them occurs in a small share of messages, as real words do.
    this.#vocabulary = Array.from({ length: 3000 }, () => Array.from({ length: 2 + this.#int(3) }, () => this.#pick(SYLLABLES)).join(''));
  }

  /** The vocabulary word of a rank (0 the most frequent): what a bench searches for. */
  word(rank: number): string {
    return this.#vocabulary[rank] as string;
  }

  #int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  #pick<T>(list: readonly T[]): T {
    return list[this.#int(list.length)] as T;
  }

  /** Zipf-like: common words often, the long tail rarely. */
  #word(): string {
    if (this.#random() < 0.35) return this.#pick(COMMON);
    const rank = Math.floor(this.#vocabulary.length * this.#random() ** 2.5);
    return this.#vocabulary[rank] as string;
  }

  #words(n: number): string {
    return Array.from({ length: n }, () => this.#word()).join(' ');
  }

  #address(): Address {
    const name = this.#pick(FIRST);
    return { Name: this.#random() < 0.7 ? `${name} ${this.#pick(SYLLABLES).toUpperCase()}` : '', Address: `${name.toLowerCase()}.${this.#int(50)}@${this.#pick(DOMAINS)}` };
  }

  message(n: number): CorpusMessage {
    const from = this.#address();
    const to = Array.from({ length: 1 + this.#int(3) }, () => this.#address());
    const cc = this.#random() < 0.2 ? [this.#address()] : [];
    const subject = `${this.#random() < 0.02 ? 'Invoice ' : ''}${this.#words(3 + this.#int(6))} #${n}`;
    const text = Array.from({ length: 1 + this.#int(6) }, () => this.#words(10 + this.#int(50))).join('\n\n');
    const files = Array.from({ length: this.#random() < 0.15 ? 1 + this.#int(2) : 0 }, () => `${this.#pick(['statement', 'report', 'photo', 'ticket'])}-${this.#int(10_000)}.${this.#pick(EXTENSIONS)}`);
    const tags = this.#random() < 0.2 ? [this.#pick(['billing', 'news', 'alerts', 'team'])] : [];
    const messageId = `${n}.${this.#int(1e9)}@bench.mailsim`;
    const date = Date.UTC(2026, 0, 1) + n * 60_000;
    const raw = rawMessage({ from, to, cc, subject, text, files, tags, messageId, date });
    const fileNames = files.join(' ');
    return {
      raw,
      envelope: { from: from.Address, to: [...to, ...cc].map((a) => a.Address) },
      parsed: {
        messageId,
        subject,
        from,
        to,
        cc,
        bcc: [],
        replyTo: [],
        date,
        text: fileNames ? `${text}\n${fileNames}` : text,
        snippet: text.slice(0, 250),
        attachments: files.length,
        inline: 0,
        xTags: tags,
        problems: [],
      },
    };
  }
}

const header = (a: Address) => (a.Name ? `"${a.Name}" <${a.Address}>` : `<${a.Address}>`);

function rawMessage(m: { from: Address; to: Address[]; cc: Address[]; subject: string; text: string; files: string[]; tags: string[]; messageId: string; date: number }): Buffer {
  const lines = [
    `From: ${header(m.from)}`,
    `To: ${m.to.map(header).join(', ')}`,
    ...(m.cc.length ? [`Cc: ${m.cc.map(header).join(', ')}`] : []),
    `Subject: ${m.subject}`,
    `Message-ID: <${m.messageId}>`,
    `Date: ${new Date(m.date).toUTCString()}`,
    ...(m.tags.length ? [`X-Tags: ${m.tags.join(', ')}`] : []),
    'MIME-Version: 1.0',
  ];
  if (!m.files.length) return Buffer.from([...lines, 'Content-Type: text/plain; charset=utf-8', '', m.text, ''].join('\r\n'));
  const boundary = `b-${m.messageId}`;
  const parts = m.files.map((name) => [`--${boundary}`, `Content-Type: application/octet-stream; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`, 'Content-Transfer-Encoding: base64', '', Buffer.alloc(600 + name.length * 40, name).toString('base64').replace(/.{76}/g, '$&\r\n')].join('\r\n'));
  return Buffer.from([...lines, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', '', m.text, ...parts, `--${boundary}--`, ''].join('\r\n'));
}
