import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../server/cli/options.js';
import { getJson, startSim, TEST_TLS_DIR, type TestSim } from './helpers/sim.js';

// POST /api/v1/message/{ID}/release and --smtp-relay-*: a captured message goes to a second,
// real SMTP server (smtp-server on port 0), plain and with STARTTLS on the test CA's certificate.
interface Relayed {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  user: string | undefined;
}

async function relayServer(options: { tls?: boolean; auth?: boolean } = {}) {
  const received: Relayed[] = [];
  const server = new SMTPServer({
    ...(options.tls
      ? { key: readFileSync(join(TEST_TLS_DIR, 'server-key.pem')), cert: readFileSync(join(TEST_TLS_DIR, 'server.pem')) }
      : { disabledCommands: options.auth ? [] : ['STARTTLS', 'AUTH'] }),
    ...(options.auth ? { allowInsecureAuth: true, onAuth: (auth, _s, cb) => cb(auth.username === 'relay' && auth.password === 'pw' ? null : new Error('bad'), { user: auth.username }) } : { authOptional: true }),
    logger: false,
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { received, port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function capture(sim: TestSim, extra: Record<string, unknown> = {}): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sim.smtpPort, ignoreTLS: true });
  await transport.sendMail({ from: 'App <app@example.com>', to: 'user@example.org', bcc: 'hidden@example.org', subject: 'to release', text: 'body', messageId: '<orig@example.com>', ...extra });
  transport.close();
  return (await getJson(`${sim.url}/api/v1/messages`)).body.messages[0].ID;
}

const release = (sim: TestSim, id: string, body: unknown) =>
  fetch(`${sim.url}/api/v1/message/${id}/release`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, text: await r.text() }));

describe('release without a relay', () => {
  it('answers 400 saying how to configure one, 404 for an unknown message', async () => {
    const sim = await startSim();
    try {
      const id = await capture(sim);
      const refused = await release(sim, id, { To: ['a@example.org'] });
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(/no SMTP relay is configured: start mailsim with --smtp-relay-host/);
      expect((await release(sim, 'nope', { To: ['a@example.org'] })).status).toBe(404);
      expect((await getJson(`${sim.url}/api/v1/webui`)).body.MessageRelay.Enabled).toBe(false);
    } finally {
      await sim.stop();
    }
  });
});

describe('release to a plain relay with an allowlist', () => {
  let sim: TestSim;
  let relay: Awaited<ReturnType<typeof relayServer>>;
  beforeAll(async () => {
    relay = await relayServer();
    sim = await startSim({ smtpRelayHost: '127.0.0.1', smtpRelayPort: relay.port, smtpRelayAllowedRecipients: '@example\\.(org|net)$' });
  });
  afterAll(async () => {
    await sim.stop();
    await relay.close();
  });

  it('relays the stored message to the given recipients: Bcc removed, new Date and Message-ID, sender from From', async () => {
    const id = await capture(sim);
    // Go-style key case, as Mailpit's decoder reads it.
    expect(await release(sim, id, { to: ['Someone <someone@example.net>'] })).toEqual({ status: 200, text: 'ok' });
    expect(relay.received).toHaveLength(1);
    const [sent] = relay.received;
    expect(sent).toMatchObject({ from: 'app@example.com', to: ['someone@example.net'], secure: false });
    expect(sent!.raw).not.toMatch(/^bcc:/im);
    expect(sent!.raw).not.toContain('<orig@example.com>');
    expect(sent!.raw).toMatch(/^Message-ID: <[\w-]+@mailsim\.test>\r$/m);
    expect(sent!.raw).toMatch(/^Subject: to release\r$/m);
    expect(sent!.raw).toMatch(/\r\n\r\nbody\r\n$/);
    expect((await getJson(`${sim.url}/api/v1/webui`)).body.MessageRelay).toMatchObject({ Enabled: true, SMTPServer: `127.0.0.1:${relay.port}`, AllowedRecipients: '@example\\.(org|net)$' });
  });

  it('400 for a recipient off the allowlist, a malformed address, no recipients or no body; nothing is sent', async () => {
    const id = await capture(sim);
    const before = relay.received.length;
    expect(await release(sim, id, { To: ['x@example.org', 'evil@example.com'] })).toEqual({ status: 400, text: expect.stringContaining('Failed: Address do not match the allowlist: evil@example.com') });
    expect((await release(sim, id, { To: ['not an address'] })).text).toContain('Invalid email address: not an address');
    expect((await release(sim, id, { To: [] })).text).toContain('No valid addresses found');
    expect((await fetch(`${sim.url}/api/v1/message/${id}/release`, { method: 'POST' })).status).toBe(400);
    expect(relay.received.length).toBe(before);
  });
});

describe('release over STARTTLS with AUTH', () => {
  it('verifies the relay against mailsim\'s CA, logs in, and reports the relay\'s refusal as a 400', async () => {
    const relay = await relayServer({ tls: true, auth: true });
    const sim = await startSim({ smtpRelayHost: 'localhost', smtpRelayPort: relay.port, smtpRelayStarttls: true, smtpRelayAuth: { user: 'relay', password: 'pw' } });
    try {
      const id = await capture(sim);
      expect(await release(sim, id, { To: ['a@example.org'] })).toEqual({ status: 200, text: 'ok' });
      expect(relay.received[0]).toMatchObject({ secure: true, user: 'relay', to: ['a@example.org'] });
    } finally {
      await sim.stop();
    }
    const wrong = await startSim({ smtpRelayHost: 'localhost', smtpRelayPort: relay.port, smtpRelayStarttls: true, smtpRelayAuth: { user: 'relay', password: 'wrong' } });
    try {
      const id = await capture(wrong);
      const refused = await release(wrong, id, { To: ['a@example.org'] });
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(/SMTP error: .*535/);
    } finally {
      await wrong.stop();
      await relay.close();
    }
  });
});

describe('--smtp-relay-* options and Mailpit\'s MP_SMTP_RELAY_* variables', () => {
  it('read into the config; a bad allowlist regex stops the start with the option named', async () => {
    const flags = parseCli(['--smtp-relay-host', 'relay.example', '--smtp-relay-port', '587', '--smtp-relay-starttls', '--smtp-relay-auth', 'u:p:w', '--smtp-relay-allowed-recipients', '@example\\.com$'], {}).config;
    expect(flags).toMatchObject({ smtpRelayHost: 'relay.example', smtpRelayPort: 587, smtpRelayStarttls: true, smtpRelayAuth: { user: 'u', password: 'p:w' }, smtpRelayAllowedRecipients: '@example\\.com$' });
    const env = parseCli([], { MP_SMTP_RELAY_HOST: 'relay.example', MP_SMTP_RELAY_PORT: '465', MP_SMTP_RELAY_TLS: 'true', MP_SMTP_RELAY_USERNAME: 'u', MP_SMTP_RELAY_PASSWORD: 'p', MP_SMTP_RELAY_ALL: '1' });
    expect(env.config).toMatchObject({ smtpRelayHost: 'relay.example', smtpRelayPort: 465, smtpRelayTls: true, smtpRelayUser: 'u', smtpRelayPassword: 'p', smtpRelayAll: true });
    expect(env.warnings).toEqual([]);
    await expect(startSim({ smtpRelayHost: '127.0.0.1', smtpRelayAllowedRecipients: '(a' })).rejects.toThrow(/--smtp-relay-allowed-recipients: /);
  });

  it('--smtp-relay-all relays each message received to its allowed envelope recipients', async () => {
    const relay = await relayServer();
    const sim = await startSim({ smtpRelayHost: '127.0.0.1', smtpRelayPort: relay.port, smtpRelayAll: true, smtpRelayAllowedRecipients: '@example\\.org$' });
    try {
      const arrived = new Promise<void>((resolve) => {
        const timer = setInterval(() => relay.received.length && (clearInterval(timer), resolve()), 20);
      });
      await capture(sim);
      await arrived;
      // user@ and hidden@example.org (the Bcc) are allowed; the relayed bytes are the stored ones.
      expect(relay.received[0]).toMatchObject({ from: 'app@example.com', to: ['user@example.org', 'hidden@example.org'] });
      expect(relay.received[0]!.raw).toMatch(/^Return-Path: <app@example\.com>\r\nReceived: /);
    } finally {
      await sim.stop();
      await relay.close();
    }
  });
});
