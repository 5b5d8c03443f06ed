/**
 * How an SMTP listener does TLS: `auto` offers STARTTLS exactly when the scenario's persona does,
 * `plain` never offers TLS, `starttls` always offers it, `tls` is implicit TLS (SMTPS, RFC 8314's
 * port 465). The config schema, the --smtp parser and the listener all take this list.
 */
export const LISTENER_MODES = ['auto', 'plain', 'starttls', 'tls'] as const;
export type ListenerMode = (typeof LISTENER_MODES)[number];

/**
 * How the POP3 listener (server/pop3/) does TLS: `starttls` offers STLS (RFC 2595) with mailsim's
 * certificate, `plain` never offers TLS, `tls` is TLS from the first byte (RFC 8314's port 995).
 * The config schema, the --pop3 parser and the POP3 server take this list.
 */
export const POP3_MODES = ['plain', 'starttls', 'tls'] as const;
export type Pop3Mode = (typeof POP3_MODES)[number];
