import type { FaultContext } from './context.js';
import type { Explanation } from './decision.js';
import { ADDRESS_LIST_LIMITS, addressList } from './address-list.js';
import { compileMatchers, type StringTest } from './matcher.js';
import type { Account, AuthSpec, IdentitiesSpec, Persona, ReplySpec } from './schema.js';
import { fromAddresses, headerValues } from './when.js';

/** A persona rule the session broke: named for `fired`, with the persona's own reply. */
export interface PersonaHit {
  name: string;
  reply: ReplySpec;
  reason: string;
  /** What happened and what to do, where the check knows the provider's rule. */
  explanation?: Explanation;
}

const GMAIL_ERRORS = 'https://support.google.com/a/answer/3726730';
const EXPLAIN = {
  appPasswordRequired: {
    cause: 'The account has 2-Step Verification on, and the application logged in with the account password; Gmail takes only an app password (or OAuth 2.0) over SMTP.',
    advice: 'Create an app password for the account and use it as the SMTP password, or log in with OAuth 2.0 (XOAUTH2).',
    source: GMAIL_ERRORS,
  },
  noTwoStep: {
    cause: 'The account has no 2-Step Verification, so it has no app passwords, and Gmail no longer takes the account password over SMTP.',
    advice: 'Turn on 2-Step Verification and create an app password for the application, or log in with OAuth 2.0 (XOAUTH2).',
    source: GMAIL_ERRORS,
  },
  wrongGooglePassword: {
    cause: 'Gmail did not accept the user name and password: the password is not an app password of the account (a mistyped or revoked app password is a wrong password).',
    advice: 'Copy the app password again (spaces do not matter) or create a new one; check that the user name is the full address.',
    source: GMAIL_ERRORS,
  },
  basicAuthRefused: {
    cause: 'The server no longer accepts basic authentication (a user name and password) for SMTP client submission; Microsoft retired it for Exchange Online.',
    advice: 'Log in with OAuth 2.0 (XOAUTH2), or send through Microsoft Graph, High Volume Email or a relay connector.',
    source: 'https://techcommunity.microsoft.com/blog/exchange/exchange-online-to-retire-basic-auth-for-client-submission-smtp-auth/4114750',
  },
  identityNotVerified: {
    cause: 'An address of the message (From, Sender, the envelope sender or, in the SES sandbox, a recipient) is not a verified identity of the account; SES refused the whole message.',
    advice: 'Verify the listed addresses or their domains in SES; in the sandbox verify the recipients too, or request production access.',
    source: 'https://github.com/awsdocs/amazon-ses-developer-guide',
  },
} satisfies Record<string, Explanation>;

type Auth = NonNullable<FaultContext['auth']>;

/** Google shows an app password as four groups of four letters; clients paste it with or without the spaces. */
const withoutSpaces = (password: string): string => password.replace(/ /g, '');

/** CRAM-MD5 never reveals the password (RFC 2195): only the adapter's validator can compare it. */
function passwordMatches(auth: Auth, expected: string): boolean {
  if (auth.password !== undefined) return auth.password === expected;
  return auth.validatePassword?.(expected) ?? false;
}

function isAppPassword(auth: Auth, account: Account): boolean {
  if (auth.password === undefined) return false;
  const given = withoutSpaces(auth.password);
  return account.appPasswords.some((p) => withoutSpaces(p) === given);
}

const BASIC_MECHANISMS = new Set(['PLAIN', 'LOGIN', 'CRAM-MD5']);

/**
 * A listed account with a Google-style persona (auth.appPassword): SMTP takes only its app
 * passwords. Its normal password gets 534 5.7.9 "Application-specific password required" when
 * 2-Step Verification is on, and 535 5.7.8 like any wrong password when it is off (Google's
 * "Gmail SMTP errors and codes", https://support.google.com/a/answer/3726730; transcripts:
 * https://github.com/kmhmubin/Face-Recognition-Attendance-System/issues/46 for 534,
 * https://github.com/maitraysuthar/rest-api-nodejs-mongodb/issues/50 for 535).
 */
function googleAccountHit(auth: Auth, account: Account, spec: AuthSpec): PersonaHit | undefined {
  // OAuth 2.0 is how Google wants apps to log in; mailsim cannot check a token, so any logs in.
  if (auth.mechanism.toUpperCase() === 'XOAUTH2') return undefined;
  const bad = spec.replies.badCredentials;
  if (account.twoStepVerification && isAppPassword(auth, account)) return undefined;
  if (passwordMatches(auth, account.password)) {
    if (account.twoStepVerification) {
      const reason = `persona: ${auth.user} has 2-Step Verification on and logged in with its normal password, not an app password`;
      return { name: 'app-password-required', reply: spec.replies.appPasswordRequired ?? bad, reason, explanation: EXPLAIN.appPasswordRequired };
    }
    const reason = `persona: ${auth.user} has no 2-Step Verification, so no app password; SMTP refuses its normal password`;
    return { name: 'bad-credentials', reply: bad, reason, explanation: EXPLAIN.noTwoStep };
  }
  const reason = `persona: wrong password for account ${auth.user} (${auth.mechanism}; neither its password nor an app password)`;
  return { name: 'bad-credentials', reply: bad, reason, explanation: EXPLAIN.wrongGooglePassword };
}

function credentialsHit(auth: Auth, spec: AuthSpec): PersonaHit | undefined {
  // Microsoft 365 after basic auth retired: a password login fails whatever the password
  // (550 5.7.30, https://techcommunity.microsoft.com/blog/exchange/exchange-online-to-retire-basic-auth-for-client-submission-smtp-auth/4114750).
  if (spec.basicAuth === 'refused' && BASIC_MECHANISMS.has(auth.mechanism.toUpperCase())) {
    const reason = `persona: ${auth.mechanism} is basic authentication, which the server no longer accepts (auth.basicAuth: refused)`;
    return { name: 'basic-auth-refused', reply: spec.replies.basicAuthRefused ?? spec.replies.badCredentials, reason, explanation: EXPLAIN.basicAuthRefused };
  }
  const bad = spec.replies.badCredentials;
  const account = spec.accounts.find((a) => a.user.toLowerCase() === auth.user.toLowerCase());
  if (account) {
    if (spec.appPassword) return googleAccountHit(auth, account, spec);
    // A listed account has a known password: anything else is simply wrong.
    if (passwordMatches(auth, account.password)) return undefined;
    return { name: 'bad-credentials', reply: bad, reason: `persona: wrong password for account ${auth.user} (${auth.mechanism})` };
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
  // SES advertises AUTH before STARTTLS and refuses it with 530 Must issue a STARTTLS command
  // first (sendmail transcript https://pastebin.com/t22G4F69); Gmail answers the same to an AUTH
  // it never advertised (https://github.com/dcparker/ruby-gmail/issues/22).
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
  if (ctx.message === undefined) return undefined;
  if (ctx.message.size > maxSize) {
    return { name: 'message-size', reply: persona.sizeReply, reason: `persona: message of ${ctx.message.size} bytes exceeds ${maxSize} bytes` };
  }
  return persona.identities ? identitiesHit(ctx, persona.identities) : undefined;
}

const compiledIdentities = new WeakMap<IdentitiesSpec, StringTest>();

/** The first addresses of a header (Sender is a single mailbox, RFC 5322 §3.6.2, but bound it like From). */
function headerAddresses(ctx: FaultContext, name: string): string[] {
  const value = headerValues(ctx.message?.headers ?? {}, name)[0];
  return value === undefined ? [] : addressList(value, ADDRESS_LIST_LIMITS);
}

/** A reply line stays within RFC 5321's 512 octets (§4.5.3.1.5): SES too ends a long list with "...". */
const IDENTITY_LIST_CHARS = 300;

function identityList(addresses: string[]): string {
  let list = '';
  for (const address of addresses) {
    const next = list === '' ? address : `${list}, ${address}`;
    if (next.length > IDENTITY_LIST_CHARS) return `${list}...`;
    list = next;
  }
  return list;
}

/**
 * Amazon SES checks the From, Sender and Return-Path (MAIL FROM) identities, and in the sandbox
 * every recipient, and names each one that failed (awsdocs/amazon-ses-developer-guide
 * doc-source/troubleshoot-smtp.md: "554 Message rejected: Email address is not verified. The
 * following identities failed the check in region <REGION>: <identity0>, <identity1>").
 */
function identitiesHit(ctx: FaultContext, spec: IdentitiesSpec): PersonaHit | undefined {
  let verified = compiledIdentities.get(spec);
  if (!verified) compiledIdentities.set(spec, (verified = compileMatchers(spec.verified)));
  const checked = [...fromAddresses(ctx), ...headerAddresses(ctx, 'sender'), ...(ctx.sender ? [ctx.sender] : []), ...(spec.recipients ? ctx.recipients : [])];
  const seen = new Set<string>();
  const failed = checked.filter((address) => {
    const key = address.toLowerCase();
    if (seen.has(key) || verified(address)) return false;
    seen.add(key);
    return true;
  });
  if (failed.length === 0) return undefined;
  const list = identityList(failed);
  const fill = (text: string): string => text.replaceAll('{identities}', list);
  const reply = { ...spec.reply, text: Array.isArray(spec.reply.text) ? spec.reply.text.map(fill) : fill(spec.reply.text) };
  return { name: 'identity-not-verified', reply, reason: `persona: not verified identities: ${list}`, explanation: EXPLAIN.identityNotVerified };
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
