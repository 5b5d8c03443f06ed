import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { regexProblem } from '../faults/regex.js';
import { validate } from '../faults/validate.js';
import { nodeOffset } from '../scenarios/parse.js';

/** A Go regexp (RE2 syntax, case-sensitive), checked as the relay will compile it. */
const re2 = z.string().superRefine((pattern, ctx) => {
  const problem = pattern === '' ? undefined : regexProblem(pattern, '');
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const address = z.string().regex(/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/, 'expected an email address (a@example.com)');

/**
 * Mailpit's --smtp-relay-config file (config.SMTPRelayConfigStruct, YAML keys as Mailpit reads
 * them). Keys Mailpit does not know are ignored, as Go's yaml.Unmarshal does.
 */
export const relayFileSchema = z
  .object({
    host: z.string().min(1, 'host is required'),
    port: z.number().int().min(1).max(65535).default(25),
    starttls: z.boolean().default(false),
    tls: z.boolean().default(false),
    'allow-insecure': z.boolean().default(false),
    /** none, plain, login, cram-md5 (Mailpit lower-cases it; "false" and "" are none, cram* is cram-md5). */
    auth: z
      .string()
      .default('none')
      .transform((value) => value.toLowerCase())
      .pipe(z.string().regex(/^(|none|false|plain|login|cram.*)$/, 'expected none, plain, login or cram-md5'))
      .transform((value): 'none' | 'plain' | 'login' | 'cram-md5' => (value === '' || value === 'false' || value === 'none' ? 'none' : value.startsWith('cram') ? 'cram-md5' : (value as 'plain' | 'login'))),
    username: z.string().default(''),
    password: z.string().default(''),
    secret: z.string().default(''),
    'return-path': z.union([address, z.literal('')]).default(''),
    'override-from': z.union([address, z.literal('')]).default(''),
    'allowed-recipients': re2.default(''),
    'blocked-recipients': re2.default(''),
    'preserve-message-ids': z.boolean().default(false),
    /** Mailpit's SMTP forwarding setting; releases here always report the server's error. */
    'forward-smtp-errors': z.boolean().default(false),
    /** Mailpit's deprecated name for allowed-recipients (2024-03). */
    'recipient-allowlist': re2.default(''),
  })
  .superRefine((file, ctx) => {
    if (file.starttls && file.tls) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'TLS & STARTTLS cannot be required together' });
    if ((file.auth === 'plain' || file.auth === 'login') && (!file.username || !file.password)) {
      ctx.addIssue({ code: 'custom', path: [file.username ? 'password' : 'username'], message: `username and password are required for ${file.auth.toUpperCase()} authentication` });
    }
    if (file.auth === 'cram-md5' && (!file.username || !file.secret)) ctx.addIssue({ code: 'custom', path: [file.username ? 'secret' : 'username'], message: 'username and secret are required for CRAM-MD5 authentication' });
  });
export type RelayFile = z.output<typeof relayFileSchema>;

export type RelayFileResult = { ok: true; settings: RelayFile; warnings: string[] } | { ok: false; error: string };

/** Parses the file's text; an error is one line, "relay.yaml:3:7 port: expected number, received string". */
export function parseRelayFile(text: string, file: string): RelayFileResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const fail = (offset: number, field: string, message: string): RelayFileResult => {
    const at = lines.linePos(offset);
    return { ok: false, error: `${file}:${at.line}:${at.col}${field ? ` ${field}` : ''}: ${message}` };
  };
  const syntax = doc.errors[0];
  if (syntax) return fail(syntax.pos[0], '', syntax.message.split('\n')[0] ?? 'invalid YAML');
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) return fail(0, '', 'a relay config is one mapping (host: smtp.example.com, port: 587, ...)');
  const result = validate(relayFileSchema, data);
  if (!result.ok) {
    const { path, message, unknownField } = result.issue;
    return fail(nodeOffset(doc, path, unknownField === true), path.join('.'), message);
  }
  const settings = result.value;
  const warnings: string[] = [];
  if (settings['recipient-allowlist']) {
    warnings.push(`${file}: 'recipient-allowlist' is deprecated, use 'allowed-recipients' instead`);
    if (!settings['allowed-recipients']) settings['allowed-recipients'] = settings['recipient-allowlist'];
  }
  return { ok: true, settings, warnings };
}
