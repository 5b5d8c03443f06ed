import { LISTENER_MODES, type ListenerMode } from './listener-modes.js';
import { SCENARIO_NAME } from './scenario-name.js';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parses "127.0.0.1:1025", "[::1]:1025", "localhost:0" or ":1025" (all interfaces).
 * Returns an error message instead of throwing so the CLI can name the option.
 */
export function parseHostPort(text: string): HostPort | string {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) return `expected HOST:PORT (for example 127.0.0.1:1025), got "${text}"`;
  const port = Number(match[3]);
  if (port > 65_535) return `port ${port} is out of range (0-65535)`;
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export type ListenerSpec = HostPort & { scenario?: string; mode?: ListenerMode };

/**
 * "127.0.0.1:2587=gmail", "127.0.0.1:1465=tls", "127.0.0.1:1587=starttls,office365":
 * an address, then optionally "=" and a comma-separated listener mode and/or scenario name.
 */
export function parseListener(text: string): ListenerSpec | string {
  const [address = '', options] = text.split('=', 2);
  const hostPort = parseHostPort(address);
  if (typeof hostPort === 'string') return hostPort;
  const spec: ListenerSpec = { ...hostPort };
  for (const word of (options ?? '').split(',').map((w) => w.trim()).filter(Boolean)) {
    if ((LISTENER_MODES as readonly string[]).includes(word)) spec.mode = word as ListenerMode;
    else if (SCENARIO_NAME.test(word)) spec.scenario = word;
    else return `"${word}" is neither a listener mode (${LISTENER_MODES.join(', ')}) nor a scenario name`;
  }
  return spec;
}
