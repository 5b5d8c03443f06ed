import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../server/cli/options.js';
import { parseRelayFile } from '../server/relay/relay-config.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// Mailpit's --smtp-relay-config YAML and --smtp-relay-matching, against a second, real SMTP
// server (smtp-server on port 0 with AUTH LOGIN), as test/release.test.ts does for the flags.
interface Relayed {
  from: string;
  to: string[];
  raw: string;
  user: string | undefined;
}

async function relayServer() {
  const received: Relayed[] = [];
  let arrived: () => void = () => {};
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['LOGIN', 'PLAIN'],
    authOptional: true,
    onAuth: (auth, _s, cb) => cb(auth.username === 'relay' && auth.password === 'pw' ? null : new Error('bad'), { user: auth.username }),
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString(), user: session.user as string | undefined });
        callback();
        arrived();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    received,
    next: () => new Promise<void>((resolve) => (arrived = resolve)),
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const configFile = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'mailsim-relay-')), 'relay.yaml');
  writeFileSync(file, text);
  return file;
};

async function capture(sim: TestSim, to: string[]): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
  await transport.sendMail({ from: 'App <app@example.com>', to, subject: 'to relay', text: 'body', messageId: '<orig@example.com>' });
  transport.close();
  return (await getJson(`${sim.url}/api/v1/messages`)).body.messages[0].ID;
}

const release = (sim: TestSim, id: string, body: unknown) =>
  fetch(`${sim.url}/api/v1/message/${id}/release`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, text: await r.text() }));

describe("--smtp-relay-config (Mailpit's relay YAML)", () => {
  it('releases with the file\'s login, return-path, preserved Message-ID and blocklist', async () => {
    const relay = await relayServer();
    const file = configFile(
      `host: 127.0.0.1\nport: ${relay.port}\nauth: login\nusername: relay\npassword: pw\nreturn-path: bounces@example.com\npreserve-message-ids: true\nblocked-recipients: '@blocked\\.test$'\nforward-smtp-errors: true\n`,
    );
    const sim = await startSim({ smtpRelayConfig: file });
    try {
      const id = await capture(sim, ['user@example.org']);
      expect(await release(sim, id, { To: ['a@example.org'] })).toEqual({ status: 200, text: 'ok' });
      expect(relay.received[0]).toMatchObject({ from: 'bounces@example.com', to: ['a@example.org'], user: 'relay' });
      expect(relay.received[0]!.raw).toContain('Message-ID: <orig@example.com>');
      expect(relay.received[0]!.raw).toMatch(/^Return-Path: <bounces@example\.com>\r\n/m);
      // Mailpit's wording for a blocked recipient; nothing is sent.
      expect(await release(sim, id, { To: ['x@blocked.test'] })).toEqual({ status: 400, text: expect.stringContaining('Failed: Address found on blocklist: x@blocked.test') });
      expect(relay.received).toHaveLength(1);
      expect((await getJson(`${sim.url}/api/v1/webui`)).body.MessageRelay).toMatchObject({ Enabled: true, ReturnPath: 'bounces@example.com', BlockedRecipients: '@blocked\\.test$', PreserveMessageIDs: true });
    } finally {
      await sim.stop();
      await relay.close();
    }
  });

  it('names file:line:column and the field of a bad file, and refuses a file beside --smtp-relay-host', async () => {
    expect(parseRelayFile('host: relay.example\nport: "twenty-five"\n', 'relay.yaml')).toEqual({ ok: false, error: expect.stringMatching(/^relay\.yaml:2:7 port: .*number/) });
    expect(parseRelayFile('host: relay.example\nauth: ntlm\n', 'relay.yaml')).toEqual({ ok: false, error: expect.stringMatching(/^relay\.yaml:2:7 auth: expected none, plain, login or cram-md5/) });
    expect(parseRelayFile('host: relay.example\nauth: plain\nusername: u\n', 'r.yaml')).toEqual({ ok: false, error: expect.stringMatching(/^r\.yaml:\d+:\d+ password: username and password are required for PLAIN/) });
    expect(parseRelayFile('host: r\nstarttls: true\ntls: true\n', 'r.yaml')).toEqual({ ok: false, error: expect.stringMatching(/^r\.yaml:3:\d+ tls: TLS & STARTTLS cannot be required together/) });
    expect(parseRelayFile('port: 25\n', 'r.yaml')).toEqual({ ok: false, error: expect.stringMatching(/^r\.yaml:\d+:\d+ host: /) });
    expect(parseRelayFile('host: r\nallowed-recipients: "(a"\n', 'r.yaml')).toEqual({ ok: false, error: expect.stringMatching(/^r\.yaml:2:\d+ allowed-recipients: /) });
    expect(parseRelayFile('host: r\nrecipient-allowlist: "@a$"\n', 'r.yaml')).toMatchObject({ ok: true, settings: { 'allowed-recipients': '@a$' }, warnings: [expect.stringContaining('deprecated')] });
    await expect(startSim({ smtpRelayConfig: configFile('host: r\nport: 0\n') })).rejects.toThrow(/--smtp-relay-config .*relay\.yaml:2:7 port: /);
    await expect(startSim({ smtpRelayConfig: '/nonexistent/relay.yaml' })).rejects.toThrow(/--smtp-relay-config: cannot read \/nonexistent\/relay\.yaml/);
    await expect(startSim({ smtpRelayConfig: configFile('host: r\n'), smtpRelayHost: 'other' })).rejects.toThrow(/not both/);
  });
});

describe('--smtp-relay-matching', () => {
  it('relays each message received to its recipients that match, and only those', async () => {
    const relay = await relayServer();
    const sim = await startSim({ smtpRelayConfig: configFile(`host: 127.0.0.1\nport: ${relay.port}\n`), smtpRelayMatching: '@example\\.net$' });
    try {
      const arrived = relay.next();
      await capture(sim, ['keep@example.org', 'out@example.net']);
      await arrived;
      expect(relay.received).toEqual([expect.objectContaining({ from: 'app@example.com', to: ['out@example.net'] })]);
      // A message with no matching recipient is stored and not relayed; the next one still is.
      await capture(sim, ['only@example.org']);
      const again = relay.next();
      await capture(sim, ['second@example.net']);
      await again;
      expect(relay.received.map((r) => r.to)).toEqual([['out@example.net'], ['second@example.net']]);
    } finally {
      await sim.stop();
      await relay.close();
    }
  });

  it('is read from the flags and MP_ variables, needs a relay, and refuses a bad regex naming the option', async () => {
    const flags = parseCli(['--smtp-relay-config', 'relay.yaml', '--smtp-relay-matching', '@example\\.net$'], {});
    expect(flags.config).toMatchObject({ smtpRelayConfig: 'relay.yaml', smtpRelayMatching: '@example\\.net$' });
    const env = parseCli([], { MP_SMTP_RELAY_CONFIG: 'relay.yaml', MP_SMTP_RELAY_MATCHING: 'x' });
    expect(env.config).toMatchObject({ smtpRelayConfig: 'relay.yaml', smtpRelayMatching: 'x' });
    expect(env.warnings).toEqual([]);
    await expect(startSim({ smtpRelayMatching: 'x' })).rejects.toThrow(/needs --smtp-relay-host or --smtp-relay-config/);
    await expect(startSim({ smtpRelayHost: '127.0.0.1', smtpRelayMatching: '(a' })).rejects.toThrow(/--smtp-relay-matching: /);
  });
});
