import type { TLSSocket } from 'node:tls';
import type { SessionState } from './session-state.js';
import { explainTlsFailure } from './tls-failure.js';

/**
 * One connection's TLS as its transcript tells it: what was negotiated, or why the handshake
 * failed. Clients that reject a certificate often just close the socket, so a close during an
 * accepted STARTTLS counts as a TLS failure too.
 */
export class TlsTracker {
  /** STARTTLS was accepted and the handshake has not finished. */
  #upgrading = false;
  /** Commands received when TLS came up: a client that sends none after it has left at once. */
  #commandsAtSecure: number | undefined;

  constructor(private readonly state: SessionState) {}

  /** STARTTLS was answered 220: until the handshake ends, lines are plaintext leftovers. */
  upgradeAccepted(): void {
    this.#upgrading = true;
  }

  get upgrading(): boolean {
    return this.#upgrading;
  }

  /** TLS is up (implicit TLS before the banner, or after STARTTLS): RFC 3207 §4.2 resets state. */
  secured(socket: TLSSocket): void {
    this.#upgrading = false;
    this.#commandsAtSecure = this.state.commands;
    const cipher = socket.getCipher();
    const tls = { Protocol: socket.getProtocol() ?? '', Cipher: cipher?.name ?? '', Servername: typeof socket.servername === 'string' ? socket.servername : '' };
    this.state.tls = tls;
    this.state.user = '';
    const sni = tls.Servername ? `, SNI ${tls.Servername}` : ', no SNI';
    this.state.note(`TLS established: ${tls.Protocol}, ${tls.Cipher}${sni}`);
  }

  /** smtp-server reports socket errors per connection; during STARTTLS they are TLS failures. */
  socketError(message: string): void {
    this.state.note(`socket error: ${message}`);
    if (this.#upgrading) this.state.tlsFailed(explainTlsFailure(message));
  }

  /**
   * A close during the handshake is a TLS failure; so is a close right after it, before any
   * command: GnuTLS clients (msmtp, mutt, Exim's client) verify the certificate once the
   * handshake is done and, when they reject it, hang up without a word.
   */
  closed(): void {
    if (this.#upgrading && this.state.tls === null) this.state.tlsFailed(explainTlsFailure('Socket closed while initiating TLS'));
    else if (this.#commandsAtSecure !== undefined && this.state.commands === this.#commandsAtSecure && !this.state.facts.quit) {
      this.state.tlsFailed(
        'the client closed the connection right after the TLS handshake, before any command: GnuTLS clients (msmtp) that reject the certificate do this; trust mailsim\'s CA (`mailsim cert`) or turn verification off',
      );
    }
  }

  /**
   * A TLS ClientHello (record type 0x16, version 3.x) where SMTP commands belong: the client
   * wanted implicit TLS on a plaintext port (465 settings against 587/25).
   */
  static isClientHello(command: Buffer): boolean {
    return command[0] === 0x16 && command[1] === 0x03;
  }

  clientHelloOnPlainPort(): void {
    this.state.command('<binary TLS ClientHello>');
    this.state.tlsFailed('the client started a TLS handshake on a plaintext port (implicit TLS against a STARTTLS or plain listener?)');
  }
}
