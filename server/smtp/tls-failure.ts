/**
 * Turns what OpenSSL or smtp-server reported about a failed handshake into a sentence a
 * developer can act on, keeping the original text in brackets.
 */
const EXPLANATIONS: [RegExp, string][] = [
  [/wrong version number|http request|packet length too long|unknown protocol/i, 'the client spoke plain SMTP to an implicit-TLS port: use port 587 with STARTTLS, or enable SSL/TLS in the client'],
  [/unknown ca|bad certificate|certificate unknown|certificate expired|unsupported certificate/i, 'the client rejected the certificate'],
  [/protocol version|unsupported protocol|no protocols available/i, 'no TLS version in common'],
  [/no shared cipher|handshake failure/i, 'no cipher suite in common'],
  [/socket closed while initiating tls|socket closed/i, 'the client closed the connection during the TLS handshake (Node clients that reject the certificate do it without an alert)'],
  [/timeout/i, 'the TLS handshake timed out'],
];

export function explainTlsFailure(message: string): string {
  const known = EXPLANATIONS.find(([pattern]) => pattern.test(message))?.[1];
  const detail = message.replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:/, '').replace(/:\.\.\/deps\/openssl\S*/g, '').trim();
  return known ? `${known} (${detail})` : detail;
}
