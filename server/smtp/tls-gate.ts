import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Clock, Endpoint, SessionSink } from '../ports/contracts.js';
import type { TlsSpec } from '../faults/schema.js';
import { newId } from '../util/ids.js';
import type { ListenerMode } from '../util/listener-modes.js';
import { unmapIPv4 } from '../util/mapped-ipv4.js';
import { endpointsOf } from './endpoints.js';
import { SessionState } from './session-state.js';
import { explainTlsFailure } from './tls-failure.js';

/**
 * A client that sends nothing and closes is waiting for a banner: a plain SMTP client (port 587
 * or 25 settings) on the implicit-TLS port, which waits for the client's TLS hello. Nine of ten
 * clients tried (issue 11) do this, and a timeout of their own ends it.
 */
const SILENT_PLAINTEXT =
  'the client spoke plain SMTP to an implicit-TLS port: it waited for a banner and sent no TLS handshake; use port 587 with STARTTLS, or enable SSL/TLS in the client';

/** The part of TlsContexts the listener needs. */
export interface ContextSource {
  forFault(fault: TlsSpec['fault']): SecureContext;
}

interface Pending {
  /** Read at accept: a closed socket no longer knows its addresses. */
  client: Endpoint;
  server: Endpoint;
  /** When the connection was accepted: the session started then, not when it closed. */
  accepted: number;
  error?: string;
}

/**
 * The TLS side of one listener: which certificate a handshake gets (the listener scenario's TLS
 * fault picks it) and, on an implicit-TLS port, a session record for connections whose
 * handshake never completed — smtp-server only creates a connection once TLS is up, but a
 * plaintext client on port 465 is exactly what a user needs to see.
 */
export class TlsGate {
  #contexts: ContextSource | undefined;
  readonly #pending = new Map<string, Pending>();

  constructor(
    readonly mode: ListenerMode,
    private readonly fault: () => TlsSpec['fault'],
    private readonly sessions: SessionSink,
    private readonly clock: Clock,
  ) {}

  get canStartTls(): boolean {
    return (this.mode === 'auto' || this.mode === 'starttls') && this.#contexts !== undefined;
  }

  /** A `starttls` listener offers STARTTLS whatever the persona says. */
  get forcesStartTls(): boolean {
    return this.mode === 'starttls';
  }

  useContexts(contexts: ContextSource): void {
    this.#contexts = contexts;
  }

  /** smtp-server looks contexts up by server name; every name gets the scenario's. */
  contextMap(): Map<string, SecureContext> {
    const current = () => this.#contexts?.forFault(this.fault());
    return new (class extends Map<string, SecureContext> {
      override get(): SecureContext | undefined {
        return current();
      }
    })();
  }

  accepted(socket: Socket): void {
    if (this.mode !== 'tls') return;
    const key = keyOf(socket.remoteAddress, socket.remotePort);
    this.#pending.set(key, { ...endpointsOf(socket), accepted: this.clock.now() });
    socket.once('close', () => this.#gaveUp(key, socket.bytesRead));
  }

  connected(socket: Socket): void {
    this.#pending.delete(keyOf(socket.remoteAddress, socket.remotePort));
  }

  /** A handshake error smtp-server reported (it carries the client's address, not its port). */
  handshakeFailed(remoteAddress: string | undefined, message: string): void {
    const address = unmapIPv4(remoteAddress);
    const pending = [...this.#pending.values()].find((p) => p.client.address === address && p.error === undefined);
    if (pending) pending.error = message;
  }

  /** `bytesRead`: what the client sent on the raw socket before it closed, TLS or not. */
  #gaveUp(key: string, bytesRead: number): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    this.#pending.delete(key);
    const state = new SessionState(newId().slice(0, 16), pending.client, pending.server, this.clock, undefined, pending.accepted);
    const reason = pending.error ? explainTlsFailure(pending.error) : bytesRead === 0 ? SILENT_PLAINTEXT : explainTlsFailure('Socket closed while initiating TLS');
    state.note(`implicit TLS handshake failed: ${reason}`);
    state.tlsFailed(reason);
    this.sessions.closed(state.end());
  }
}

function keyOf(address: string | undefined, port: number | undefined): string {
  return `${address}|${port}`;
}
