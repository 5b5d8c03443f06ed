import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../server/cli/option-table.js';
import { envName, helpText, parseCli } from '../server/cli/options.js';
import { configSchema } from '../server/config/config.js';
import { parseDuration } from '../server/util/duration.js';
import { parseHostPort } from '../server/util/host-port.js';
import { parseSize } from '../server/util/size.js';

describe('command-line options', () => {
  it('parses every option to the config shape', () => {
    const cli = parseCli(
      ['--smtp', '127.0.0.1:0', '--smtp', '[::1]:2525', '--http', ':8080', '--db', ':memory:', '--max-messages', '5', '--max-message-size', '1MiB', '--max-age', '7d', '--hostname', 'mx.test', '--idle-timeout', '30s', '--quiet'],
      {},
    );
    expect(configSchema.parse(cli.config)).toMatchObject({
      smtp: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 2525 }],
      http: { host: '0.0.0.0', port: 8080 },
      db: ':memory:',
      maxMessages: 5,
      maxMessageSize: 1024 * 1024,
      maxAge: 7 * 86_400_000,
      hostname: 'mx.test',
      idleTimeout: 30_000,
      quiet: true,
    });
  });

  it('takes environment variables, flags winning', () => {
    const cli = parseCli(['--max-messages', '9'], { MAILSIM_SMTP: '127.0.0.1:1 127.0.0.1:2=tls,gmail', MAILSIM_MAX_MESSAGES: '3', MAILSIM_QUIET: 'true' });
    expect(cli.config).toMatchObject({ smtp: [{ port: 1 }, { port: 2, mode: 'tls', scenario: 'gmail' }], maxMessages: 9, quiet: true });
  });

  it.each([
    [['--smtp', 'localhost'], /--smtp: expected HOST:PORT/],
    [['--smtp', '127.0.0.1:70000'], /--smtp: port 70000 is out of range/],
    [['--max-messages', 'lots'], /--max-messages: expected a positive whole number, got "lots"/],
    [['--max-message-size', '25 parsecs'], /--max-message-size: expected a size/],
    [['--max-age', 'forever'], /--max-age: expected a duration/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(message);
  });

  it('documents every option with its environment variable', () => {
    const help = helpText('1.2.3');
    for (const option of OPTIONS) {
      expect(help).toContain(`--${option.flag}`);
      expect(help).toContain(envName(option.flag));
    }
  });

  it('applies the schema defaults', () => {
    expect(configSchema.parse({})).toMatchObject({
      smtp: [{ host: '127.0.0.1', port: 1025 }],
      http: { host: '127.0.0.1', port: 8025 },
      maxMessages: 10_000,
      maxMessageSize: 25 * 1024 * 1024,
      idleTimeout: 300_000,
      quiet: false,
    });
  });
});

describe('value parsers', () => {
  it('durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('5m garbage')).toBeUndefined();
  });

  it('sizes', () => {
    expect(parseSize('25MiB')).toBe(26_214_400);
    expect(parseSize('512k')).toBe(524_288);
    expect(parseSize('100')).toBe(100);
    expect(parseSize('1.5 MB')).toBe(1_572_864);
    expect(parseSize('12 parsecs')).toBeUndefined();
  });

  it('host:port', () => {
    expect(parseHostPort('[::1]:25')).toEqual({ host: '::1', port: 25 });
    expect(parseHostPort('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseHostPort('nope')).toMatch(/expected HOST:PORT/);
  });
});
