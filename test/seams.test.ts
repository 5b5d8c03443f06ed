import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FaultController } from '../server/faults/controller.js';
import { scenarioSchema } from '../server/faults/schema.js';
import { systemClock } from '../server/ports/contracts.js';
import { silentLog } from '../server/ports/log.js';
import { SmtpListener } from '../server/smtp/listener.js';
import { checkSeams, SEAMS, SeamError, SMTP_SERVER_VERSION } from '../server/smtp/smtp-server-seams.js';

// The private parts of smtp-server that mailsim relies on are checked before a listener
// listens; an smtp-server without one of them must refuse to start, naming it and its version.
type Targets = { connection: object; serverPrototype: object; server: object };
const real = (): Targets => {
  const server = new SMTPServer({ logger: false, SNICallback: (_n, cb) => cb(null, undefined) });
  return { connection: SMTPConnection.prototype, serverPrototype: SMTPServer.prototype, server };
};

function errorOf(fn: () => void): SeamError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SeamError) return error;
    throw error;
  }
  throw new Error('no SeamError');
}

describe('smtp-server seams', () => {
  it('all hold in the installed smtp-server, the version package.json pins', () => {
    expect(() => checkSeams(real())).not.toThrow();
    const pinned = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }).dependencies['smtp-server'];
    expect(pinned).toBe(SMTP_SERVER_VERSION);
  });

  it.each<[string, (t: Targets) => Targets]>([
    ['SMTPConnection#_onCommand', (t: Targets) => ({ ...t, connection: { ...proto(), _onCommand: undefined } })],
    ['SMTPConnection#send', (t: Targets) => ({ ...t, connection: { ...proto(), send: function send(code: number) { return code; } } })],
    ['SMTPConnection#connectionReady', (t: Targets) => ({ ...t, connection: { ...proto(), init() { /* greets on its own */ } } })],
    ['SMTPConnection#_onError', (t: Targets) => ({ ...t, connection: { ...proto(), _onError: undefined } })],
    ['SMTPServer#connections', (t: Targets) => ({ ...t, server: Object.assign(Object.create(t.server), { connections: [] }) })],
    ['SMTPServer#secureContext', (t: Targets) => ({ ...t, server: Object.assign(Object.create(t.server), { secureContext: {} }) })],
  ])('names %s and the version when it is missing', (seam, doctor) => {
    const error = errorOf(() => checkSeams(doctor(real()), '9.9.9'));
    expect(error.seams).toHaveLength(1);
    expect(error.seams[0]).toContain(seam);
    expect(error.message).toContain('smtp-server 9.9.9 lacks what mailsim relies on');
    expect(error.message).toContain(seam);
  });

  it('lists every seam that is gone at once', () => {
    const error = errorOf(() => checkSeams({ connection: {}, serverPrototype: {}, server: {} }, '4.0.0'));
    expect(error.seams).toEqual(SEAMS.map((s) => s.name));
  });

  it('a listener refuses to be built, before it listens, when smtp-server lacks a seam', () => {
    const target = SMTPConnection.prototype as unknown as { _onError: unknown };
    const saved = target._onError;
    target._onError = undefined;
    try {
      const scenario = { ...scenarioSchema.parse({}), name: 'default' };
      const error = errorOf(
        () =>
          new SmtpListener({
            host: '127.0.0.1',
            port: 0,
            hostname: 'mailsim.test',
            maxMessageSize: 1024,
            idleTimeoutMs: 1000,
            scenario: 'default',
            mode: 'plain',
            scenarios: () => scenario,
            faults: new FaultController({ clock: systemClock, defaults: { hostname: 'mailsim.test', maxMessageSize: 1024 } }),
            messages: { ingest: () => Promise.reject(new Error('unused')) },
            sessions: { opened: () => {}, closed: () => {} },
            clock: systemClock,
            onFault: () => {},
            log: silentLog,
          }),
      );
      expect(error.message).toBe(
        `smtp-server ${SMTP_SERVER_VERSION} lacks what mailsim relies on: SMTPConnection#_onError(err). Install the version package.json pins (npm ci) or adapt server/smtp/smtp-server-seams.ts.`,
      );
    } finally {
      target._onError = saved;
    }
  });
});

/** The real connection prototype's methods as own properties, to doctor one of them. */
function proto(): Record<string, unknown> {
  const methods: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(SMTPConnection.prototype)) methods[name] = (SMTPConnection.prototype as unknown as Record<string, unknown>)[name];
  return methods;
}
