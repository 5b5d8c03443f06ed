export interface PlainCredentials {
  user: string;
  password: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The PLAIN SASL message (RFC 4616 §2): [authzid] NUL authcid NUL passwd, base64-encoded as
 * RFC 5034 carries it. Null when it is not valid base64 or not three fields, or when the
 * authorization identity names someone else: mailsim does not act on behalf of other users.
 */
export function decodePlain(response: string): PlainCredentials | null {
  if (!BASE64.test(response)) return null;
  const fields = Buffer.from(response, 'base64').toString('utf8').split('\0');
  if (fields.length !== 3) return null;
  const [authzid = '', user = '', password = ''] = fields;
  if (!user || (authzid && authzid.toLowerCase() !== user.toLowerCase())) return null;
  return { user, password };
}
