import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsSpec } from '../faults/schema.js';
import type { Certificates, KeyAndCert } from './certificates.js';

export type TlsFault = TlsSpec['fault'];

/** The contexts made last, by the certificates (PEM text) they were made from. */
let last: { key: string; contexts: TlsContexts } | undefined;

/**
 * One TLS context per fault a scenario can select. Clients meet exactly the failure users see in
 * production: an expired certificate, one for the wrong host, a self-signed one, only protocol
 * versions modern clients refuse, or a handshake that cannot succeed.
 */
export class TlsContexts {
  readonly #contexts: Record<'normal' | 'expired' | 'wrong-host' | 'self-signed' | 'old-protocols' | 'handshake-abort', SecureContext>;

  private constructor(server: KeyAndCert, faults: Record<'expired' | 'wrong-host' | 'self-signed', KeyAndCert>) {
    this.#contexts = {
      normal: createSecureContext(server),
      expired: createSecureContext(faults.expired),
      'wrong-host': createSecureContext(faults['wrong-host']),
      'self-signed': createSecureContext(faults['self-signed']),
      // TLS 1.0/1.1 only. OpenSSL 3 refuses them at its default security level, so the level is
      // lowered for this context alone; clients with today's defaults (TLS 1.2+) then fail with
      // "unsupported protocol", as they do against servers nobody updated.
      'old-protocols': createSecureContext({ ...server, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
      // No cipher either side can use (TLS 1.3 off, only anonymous suites): the server answers
      // the ClientHello with a handshake_failure alert.
      'handshake-abort': createSecureContext({ ...server, maxVersion: 'TLSv1.2', ciphers: 'aNULL' }),
    };
  }

  /** `own` replaces mailsim's certificate (--tls-cert/--tls-key); fault certificates still come from its CA. */
  static create(certificates: Certificates, own?: KeyAndCert): TlsContexts {
    // The chain includes the CA: a client that does not trust it reports a self-signed
    // certificate in the chain, the wording users search for.
    const server = own ?? { key: certificates.server.key, cert: `${certificates.server.cert.trimEnd()}\n${certificates.ca.cert.trimEnd()}\n` };
    // Six contexts cost ~50 ms a start (OpenSSL parses each key and chain): a process that starts
    // again with the same certificates (a test suite's sims) gets the same immutable contexts.
    const key = JSON.stringify([server, certificates.faults]);
    if (last?.key !== key) last = { key, contexts: new TlsContexts(server, certificates.faults) };
    return last.contexts;
  }

  forFault(fault: TlsFault): SecureContext {
    switch (fault) {
      case 'expired-certificate':
        return this.#contexts.expired;
      case 'wrong-host':
      case 'self-signed':
      case 'old-protocols':
      case 'handshake-abort':
        return this.#contexts[fault];
      default:
        return this.#contexts.normal;
    }
  }
}
