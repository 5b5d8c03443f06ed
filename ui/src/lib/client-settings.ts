import type { ListenerInfo } from '../../../server/protocol.js';

export type ClientName = 'nodemailer' | 'Django' | 'Odoo' | 'swaks';
export const CLIENTS: readonly ClientName[] = ['nodemailer', 'Django', 'Odoo', 'swaks'];

/** Where a client on this machine reaches a listener: a wildcard bind is reached through the host the UI was opened on. */
export function reachableHost(address: string, pageHost: string): string {
  if (address === '0.0.0.0' || address === '::' || address === '') return pageHost.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return address;
}

/** Copy-paste settings that send to this listener as it is now (plain, STARTTLS or implicit TLS). */
export function clientSettings(client: ClientName, listener: Pick<ListenerInfo, 'Address' | 'Port' | 'Mode'>, pageHost: string): string {
  const host = reachableHost(listener.Address, pageHost);
  const port = listener.Port;
  const { Mode: mode } = listener;
  const bracketed = host.includes(':') ? `[${host}]` : host;
  switch (client) {
    case 'nodemailer':
      return [
        "const transport = nodemailer.createTransport({",
        `  host: '${host}',`,
        `  port: ${port},`,
        `  secure: ${mode === 'tls'},`,
        ...(mode === 'plain' ? ['  ignoreTLS: true,'] : ["  // mailsim's own CA signs its certificate: trust it (mailsim cert) or skip the check in tests", '  tls: { rejectUnauthorized: false },']),
        '});',
      ].join('\n');
    case 'Django':
      return [
        "EMAIL_BACKEND = 'django.core.mail.backends.smtp.EmailBackend'",
        `EMAIL_HOST = '${host}'`,
        `EMAIL_PORT = ${port}`,
        `EMAIL_USE_TLS = ${mode === 'starttls' ? 'True' : 'False'}`,
        `EMAIL_USE_SSL = ${mode === 'tls' ? 'True' : 'False'}`,
      ].join('\n');
    case 'Odoo':
      return [
        '# Settings → Technical → Outgoing Mail Servers, or odoo.conf:',
        `smtp_server = ${host}`,
        `smtp_port = ${port}`,
        `smtp_ssl = ${mode === 'plain' ? 'False' : 'True'}`,
        `# Connection encryption in the form: ${mode === 'plain' ? 'None' : mode === 'starttls' ? 'TLS (STARTTLS)' : 'SSL/TLS'}`,
      ].join('\n');
    case 'swaks':
      return `swaks --server ${bracketed}:${port} --from app@example.com --to ann@example.org${mode === 'starttls' ? ' --tls' : mode === 'tls' ? ' --tls-on-connect' : ''}`;
  }
}
