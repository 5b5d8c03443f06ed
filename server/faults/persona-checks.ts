import type { FaultContext } from './context.js';
import type { AuthSpec, Persona, ReplySpec } from './schema.js';

/** A persona rule the session broke: named for `fired`, with the persona's own reply. */
export interface PersonaHit {
  name: string;
  reply: ReplySpec;
  reason: string;
}

type Auth = NonNullable<FaultContext['auth']>;

/**
 * Google app passwords are 16 letters, shown in four groups of four; clients paste them with or
 * without the spaces. Anything else (a normal account password) is what Gmail answers with
 * 534 5.7.9 "Application-specific password required" once 2-Step Verification is on.
 */
export function looksLikeAppPassword(password: string): boolean {
  return /^[a-z]{16}$/i.test(password) || /^[a-z]{4}( [a-z]{4}){3}$/i.test(password);
}

/** CRAM-MD5 never reveals the password (RFC 2195): only the adapter's validator can compare it. */
function passwordMatches(auth: Auth, expected: string): boolean {
  if (auth.password !== undefined) return auth.password === expected;
  return auth.validatePassword?.(expected) ?? false;
}

function credentialsHit(auth: Auth, spec: AuthSpec): PersonaHit | undefined {
  const bad = spec.replies.badCredentials;
  // A listed account has a known password: anything else is simply wrong (Gmail's 535 5.7.8).
  const account = spec.accounts.find((a) => a.user.toLowerCase() === auth.user.toLowerCase());
  if (account) {
    if (passwordMatches(auth, account.password)) return undefined;
    return { name: 'bad-credentials', reply: bad, reason: `persona: wrong password for account ${auth.user} (${auth.mechanism})` };
  }
  // For everyone else only the shape can be judged: Gmail answers a normal account password
  // with 534 5.7.9 once 2-Step Verification is on, and cannot tell it from a wrong one either.
  if (spec.appPassword && auth.password !== undefined && !looksLikeAppPassword(auth.password)) {
    const reason = `persona: the password for ${auth.user} does not look like an app password (auth.appPassword)`;
    return { name: 'app-password-required', reply: spec.replies.appPasswordRequired ?? bad, reason };
  }
  if (spec.acceptAny) return undefined;
  return { name: 'bad-credentials', reply: bad, reason: `persona: unknown user ${auth.user} (not in auth.accounts, acceptAny is off)` };
}

/** RFC 3207 §4: a server that requires TLS answers 530 to the mail transaction before STARTTLS. */
function tlsRequiredHit(ctx: FaultContext, persona: Persona, why: string): PersonaHit | undefined {
  if (ctx.session.secure) return undefined;
  return { name: 'tls-required', reply: persona.tls.replies.required, reason: `persona: ${ctx.phase} on a plain connection (${why})` };
}

function authHit(ctx: FaultContext, persona: Persona): PersonaHit | undefined {
  // SES advertises AUTH before STARTTLS and refuses it (530 Must issue a STARTTLS command first);
  // Gmail answers the same to an AUTH it never advertised (providers §1.2, §4.2).
  const { authBeforeTls } = persona.tls;
  if (authBeforeTls !== 'allowed') {
    const hit = tlsRequiredHit(ctx, persona, `tls.authBeforeTls: ${authBeforeTls}`);
    if (hit) return hit;
  }
  return ctx.auth ? credentialsHit(ctx.auth, persona.auth) : undefined;
}

function mailHit(ctx: FaultContext, persona: Persona, maxSize: number): PersonaHit | undefined {
  // Gmail on 587: MAIL before STARTTLS gets 530 5.7.0 Must issue a STARTTLS command first, not "auth required".
  if (persona.tls.starttls === 'required') {
    const hit = tlsRequiredHit(ctx, persona, 'tls.starttls: required');
    if (hit) return hit;
  }
  if (persona.auth.required && ctx.session.user === '') {
    return { name: 'auth-required', reply: persona.auth.replies.required, reason: 'persona: MAIL without AUTH (auth.required)' };
  }
  // RFC 1870: a SIZE= above the limit is refused at MAIL, before any data is sent.
  if (ctx.announcedSize !== undefined && ctx.announcedSize > maxSize) {
    return { name: 'message-size', reply: persona.sizeReply, reason: `persona: announced SIZE=${ctx.announcedSize} exceeds ${maxSize} bytes` };
  }
  return undefined;
}

function dataEndHit(ctx: FaultContext, persona: Persona, maxSize: number): PersonaHit | undefined {
  if (ctx.message === undefined || ctx.message.size <= maxSize) return undefined;
  return { name: 'message-size', reply: persona.sizeReply, reason: `persona: message of ${ctx.message.size} bytes exceeds ${maxSize} bytes` };
}

/** The persona's protocol rules for one event, in the order real servers apply them. */
export function checkPersona(ctx: FaultContext, persona: Persona, defaultMaxSize: number): PersonaHit | undefined {
  const maxSize = persona.size ?? defaultMaxSize;
  switch (ctx.phase) {
    case 'auth':
      return authHit(ctx, persona);
    case 'mail':
      return mailHit(ctx, persona, maxSize);
    case 'rcpt':
    case 'data-start':
      return persona.tls.starttls === 'required' ? tlsRequiredHit(ctx, persona, 'tls.starttls: required') : undefined;
    case 'data-end':
      return dataEndHit(ctx, persona, maxSize);
    case 'starttls':
      // RFC 3207 §4: 454 TLS not available due to temporary reason.
      if (persona.tls.fault !== 'unavailable') return undefined;
      return { name: 'tls-unavailable', reply: persona.tls.replies.unavailable, reason: 'persona: STARTTLS refused (tls.fault: unavailable)' };
    default:
      return undefined;
  }
}
