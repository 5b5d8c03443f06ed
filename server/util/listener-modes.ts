/**
 * How an SMTP listener does TLS: `auto` offers STARTTLS exactly when the scenario's persona does,
 * `plain` never offers TLS, `starttls` always offers it, `tls` is implicit TLS (SMTPS, RFC 8314's
 * port 465). The config schema, the --smtp parser and the listener all take this list.
 */
export const LISTENER_MODES = ['auto', 'plain', 'starttls', 'tls'] as const;
export type ListenerMode = (typeof LISTENER_MODES)[number];
