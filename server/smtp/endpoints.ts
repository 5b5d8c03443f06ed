import type { Socket } from 'node:net';
import type { Endpoint } from '../ports/contracts.js';
import { unmapIPv4 } from '../util/mapped-ipv4.js';

/** Both ends of a connection as sessions record them. */
export function endpointsOf(socket: Socket): { client: Endpoint; server: Endpoint } {
  return {
    client: { address: unmapIPv4(socket.remoteAddress), port: socket.remotePort ?? 0 },
    server: { address: unmapIPv4(socket.localAddress), port: socket.localPort ?? 0 },
  };
}
