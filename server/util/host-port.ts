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

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '0:0:0:0:0:0:0:1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || host.startsWith('127.') || host.toLowerCase().endsWith('.localhost');
}
