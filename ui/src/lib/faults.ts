/**
 * One-shot faults as people read them ("at RCPT to *@example.org", "wait 5 s, then reply 421
 * 4.7.0 Try again later") instead of the JSON the API takes, and the checks the fault form
 * makes before it arms anything.
 */

type Matcher = string | { regex: string; flags?: string } | { not: unknown } | unknown[];

const PHASES: Record<string, string> = {
  connect: 'on connect',
  helo: 'at EHLO',
  starttls: 'at STARTTLS',
  auth: 'at AUTH',
  mail: 'at MAIL FROM',
  rcpt: 'at RCPT',
  'data-start': 'at DATA',
  'data-end': 'at the end of data',
  rset: 'at RSET',
  quit: 'at QUIT',
};

function matcher(value: unknown): string {
  const m = value as Matcher;
  if (typeof m === 'string') return m;
  if (Array.isArray(m)) return m.map(matcher).join(' or ');
  if (m && typeof m === 'object' && 'regex' in m) return `/${m.regex}/${m.flags ?? ''}`;
  if (m && typeof m === 'object' && 'not' in m) return `not ${matcher(m.not)}`;
  return JSON.stringify(m);
}

const CONDITIONS: Record<string, (value: unknown) => string> = {
  sender: (v) => `from ${matcher(v)}`,
  recipient: (v) => `to ${matcher(v)}`,
  user: (v) => `user ${matcher(v)}`,
  client: (v) => `client ${matcher(v)}`,
  helo: (v) => `EHLO ${matcher(v)}`,
  subject: (v) => `subject ${matcher(v)}`,
  from: (v) => `From: ${matcher(v)}`,
  password: (v) => `password ${matcher(v)}`,
  header: (v) => {
    const h = v as { name: string; value?: unknown };
    return h.value === undefined ? `with header ${h.name}` : `header ${h.name}: ${matcher(h.value)}`;
  },
  size: (v) => {
    const s = v as { min?: number; max?: number };
    return s.min !== undefined && s.max !== undefined ? `size ${s.min}–${s.max} bytes` : s.min !== undefined ? `size ≥ ${s.min} bytes` : `size ≤ ${s.max ?? '?'} bytes`;
  },
  fromNotUser: (v) => (v ? 'From is not the AUTH user' : 'From is the AUTH user'),
  authenticated: (v) => (v ? 'authenticated' : 'not authenticated'),
  secure: (v) => (v ? 'over TLS' : 'without TLS'),
};

/** "at RCPT to *@example.org", "on connect client 10.0.0.0/8". */
export function describeWhen(when: Record<string, unknown>): string {
  const phase = typeof when.phase === 'string' ? (PHASES[when.phase] ?? `at ${when.phase}`) : 'at any phase';
  const rest = Object.entries(when)
    .filter(([key, value]) => key !== 'phase' && value !== undefined)
    .map(([key, value]) => (CONDITIONS[key] ?? ((v: unknown) => `${key} ${matcher(v)}`))(value));
  return [phase, ...rest].join(' ');
}

/** "250ms", 5000 → "5 s"; strings are the scenario language's durations and stay as written but spaced. */
function duration(value: unknown): string {
  if (typeof value === 'number') return value % 1000 === 0 ? `${value / 1000} s` : `${value} ms`;
  return String(value).replace(/(\d)(ms|s|m|h|d|w)/g, '$1 $2');
}

function reply(value: unknown): string {
  const r = value as { code: number; enhanced?: string; text?: string | string[] };
  const text = Array.isArray(r.text) ? r.text.join(' / ') : (r.text ?? '');
  return ['reply', r.code, r.enhanced, text].filter((part) => part !== undefined && part !== '').join(' ');
}

/** "reply 421 4.7.0 Try again later", "wait 5 s, then disconnect". */
export function describeAction(action: Record<string, unknown>): string {
  const parts: string[] = [];
  if (action.tarpit) {
    const rate = (action.tarpit as { bytesPerSecond?: number }).bytesPerSecond ?? 20;
    parts.push(`${action.reply ? reply(action.reply) : 'the normal reply'}, dripped at ${rate} bytes/s`);
  } else if (action.reply) parts.push(reply(action.reply));
  if (action.stall) parts.push('never answer (stall)');
  if (action.disconnect) {
    const d = action.disconnect as { partialReply?: string; afterBytes?: number };
    parts.push(['disconnect', d.afterBytes !== undefined ? `after ${d.afterBytes} bytes of the message` : '', d.partialReply ? `after sending "${d.partialReply}"` : ''].filter(Boolean).join(' '));
  }
  if (action.blackhole) parts.push('answer 250 and discard the message (blackhole)');
  if (action.accept) parts.push('answer normally and skip later rules');
  const main = parts.join(', ') || 'answer normally';
  return action.delay !== undefined ? `wait ${duration(action.delay)}, then ${main}` : main;
}

export interface FormProblem {
  field: 'code' | 'enhanced' | 'text' | 'count';
  message: string;
}

/**
 * What the fault form refuses before it sends anything: a reply needs a code the API takes and
 * some text, and an enhanced status code's class must be the reply code's first digit (RFC 3463
 * §2, RFC 2034 §4: "451 5.4.5" contradicts itself, and clients act on either).
 */
export function replyProblems(input: { code: number; enhanced: string; text: string; count: number }): FormProblem[] {
  const problems: FormProblem[] = [];
  const code = Number(input.code);
  if (!Number.isInteger(code) || code < 200 || code > 599) problems.push({ field: 'code', message: 'Code: a reply code from 200 to 599 (4xx defers, 5xx refuses).' });
  const enhanced = input.enhanced.trim();
  if (enhanced) {
    if (!/^[245]\.\d{1,3}\.\d{1,3}$/.test(enhanced)) problems.push({ field: 'enhanced', message: 'Enhanced: an RFC 3463 code such as 4.7.1 or 5.1.1, or nothing.' });
    else if (Number.isInteger(code) && enhanced[0] !== String(code)[0]) {
      problems.push({ field: 'enhanced', message: `Enhanced: its class (${enhanced[0]}.x.x) must match the reply code's first digit (${String(code)[0]}xx), as RFC 3463 requires.` });
    }
  }
  if (!input.text.trim()) problems.push({ field: 'text', message: 'Text: say something a person reading the bounce can act on.' });
  const count = Number(input.count);
  if (!Number.isInteger(count) || count < 1) problems.push({ field: 'count', message: 'Times: a whole number, 1 or more.' });
  return problems;
}
