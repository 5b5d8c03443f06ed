import { parseArgs } from 'node:util';
import type { ConfigInput } from '../config/config.js';
import { mailpitFlagOptions, readMailpit } from './mailpit-aliases.js';
import { OPTIONS, usageError, type OptionSpec } from './option-table.js';


/** MAILSIM_MAX_MESSAGES for --max-messages. */
export const envName = (flag: string): string => `MAILSIM_${flag.toUpperCase().replace(/-/g, '_')}`;

export interface ParsedCli {
  command: string | undefined;
  positionals: string[];
  help: boolean;
  version: boolean;
  config: ConfigInput;
  /** Mailpit settings given that mean nothing here: logged once each at start-up. */
  warnings: string[];
}

/** Command-line flags win over environment variables, which win over the defaults. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): ParsedCli {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        ...mailpitFlagOptions(),
        ...Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: o.value ? 'string' : 'boolean', multiple: o.multiple ?? false, ...(o.short && { short: o.short }) }])),
      },
    });
  } catch (error) {
    throw usageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const mailpit = readMailpit(values, env);
  const config: Record<string, unknown> = { ...mailpit.keys };
  for (const option of OPTIONS) {
    // mailsim's own flag, then Mailpit's, then MAILSIM_*, then MP_*.
    const raw = values[option.flag] ?? fromMailpit(option, mailpit.flags.get(option.flag)) ?? fromEnv(option, env) ?? fromMailpit(option, mailpit.env.get(option.flag));
    if (raw === undefined) continue;
    config[option.key] = convert(option, raw);
  }
  const [command, ...positionals] = parsed.positionals;
  return {
    command,
    positionals,
    help: parsed.values.help === true,
    version: parsed.values.version === true,
    config: config as ConfigInput,
    warnings: mailpit.warnings,
  };
}

/** A Mailpit flag given several times: the last wins, as with Go's flag package (lists keep all). */
function fromMailpit(option: OptionSpec, raw: Array<string | boolean> | undefined): string | string[] | boolean | undefined {
  if (!raw?.length) return undefined;
  if (!option.value) return raw.at(-1) === true || (typeof raw.at(-1) === 'string' && /^(1|true|yes|on)$/i.test(raw.at(-1) as string));
  const texts = raw.map(String);
  return option.multiple ? texts : texts.at(-1);
}

function fromEnv(option: OptionSpec, env: NodeJS.ProcessEnv): string | string[] | boolean | undefined {
  const text = env[envName(option.flag)];
  if (text === undefined || text === '') return undefined;
  if (!option.value) return /^(1|true|yes|on)$/i.test(text);
  // Listener specs contain commas (=tls,gmail), so several of them are separated by spaces.
  return option.multiple ? text.split(/\s+/).filter(Boolean) : text;
}

function convert(option: OptionSpec, raw: string | string[] | boolean): unknown {
  if (typeof raw === 'boolean') return raw;
  const parse = option.parse ?? ((text: string) => text);
  return Array.isArray(raw) ? raw.map(parse) : parse(raw);
}

export function helpText(version: string): string {
  const rows = OPTIONS.map((o) => {
    const left = `--${o.flag}${o.value ? ` ${o.value}` : ''}`;
    return `  ${left.padEnd(28)}${o.help}\n  ${''.padEnd(28)}default: ${o.defaultText}; env: ${envName(o.flag)}`;
  });
  return [
    `mailsim ${version}: local SMTP capture server and fault simulator`,
    '',
    'Usage: mailsim [options]          start the server',
    '       mailsim validate FILE...   check scenario files (exit 1 if any is invalid)',
    '       mailsim schema             print the scenario JSON Schema (for editors)',
    '       mailsim wait [options]     wait for messages or sessions (CI; see mailsim wait --help)',
    '       mailsim cert               create/show the TLS CA and certificate, and how to trust them',
    '',
    'Options:',
    ...rows,
    `  ${'--help, -h'.padEnd(28)}Show this help.`,
    `  ${'--version, -v'.padEnd(28)}Print the version.`,
    '',
    "Mailpit's flags (-d, -m, -l, --ui-auth-file, ...) and MP_* variables are read too; see the README's \"Coming from Mailpit\".",
    '',
  ].join('\n');
}
