import { z } from 'zod';
import { DSN_STYLE_NAMES } from '../util/dsn-styles.js';
import { SCENARIO_NAME, SCENARIO_NAME_RULE } from '../util/scenario-name.js';
import { actionPhaseProblem, actionSchema } from './actions/index.js';
import { replySchema } from './reply-schema.js';
import { contradictions } from './contradictions.js';
import { authConditionSchema } from './auth-facts.js';
import { dnsRecordsSchema } from './dns-schema.js';
import { bouncesOver, OVER_BOUNCE_PHASES, overSchema } from './limit-over.js';
import { providerTargetSchema } from './provider-targets.js';
import { durationSchema, regexMatcherSchema, SPAN_BOUND, timeZoneSchema, WAIT_BOUND } from './schema-fields.js';

export type { DurationInput } from './schema-fields.js';

/**
 * The scenario file format. One scenario per YAML (or JSON) file; every default lives here, and
 * the JSON Schema editors use is generated from this file (server/scenarios/json-schema.ts).
 */

/** SMTP phases a rule or limit can act in, in protocol order. */
export const PHASES = ['connect', 'helo', 'starttls', 'auth', 'mail', 'rcpt', 'data-start', 'data-end', 'rset', 'quit'] as const;
export const phaseSchema = z.enum(PHASES).describe('SMTP phase: connect (before the banner), helo (HELO/EHLO), starttls, auth (after the credentials arrive), mail, rcpt, data-start (the DATA command), data-end (after the message), rset, quit');
export type Phase = z.infer<typeof phaseSchema>;

/** "HH:MM" on a 24-hour clock. */
const clockTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24-hour)');

export { replySchema, type ReplySpec } from './reply-schema.js';

/**
 * A string matcher: a glob ("*@example.com", "?" one character, case-insensitive), {regex}, a
 * list of matchers (any may match), or {not: ...} (none may match).
 */
export type Matcher = string | { regex: string; flags?: string } | { not: MatcherList };
export type MatcherList = Matcher | Matcher[];
const matcherSchema: z.ZodType<Matcher> = z.lazy(() =>
  z.union([
    z.string().min(1),
    regexMatcherSchema,
    z.object({ not: matchersSchema }).strict(),
  ]),
);
const matchersSchema: z.ZodType<MatcherList> = z
  .lazy(() => z.union([matcherSchema, z.array(matcherSchema).min(1)]))
  .describe('a glob, {regex: ...}, {not: ...}, or a list of them (any may match)');

const conditions = {
    sender: matchersSchema.optional().describe('MAIL FROM address'),
    recipient: matchersSchema.optional().describe('RCPT TO address (in data phases: any recipient)'),
    user: matchersSchema.optional().describe('AUTH username'),
    client: matchersSchema.optional().describe('client IP address (a glob, or CIDR like 10.0.0.0/8)'),
    helo: matchersSchema.optional().describe('HELO/EHLO name'),
    subject: matchersSchema.optional().describe('Subject header (data-end only)'),
    header: z
      .object({ name: z.string().min(1), value: matchersSchema.optional() })
      .strict()
      .optional()
      .describe('a header that must be present (data-end only), optionally with a matching value'),
    size: z
      .object({ min: z.number().int().nonnegative().optional(), max: z.number().int().nonnegative().optional() })
      .strict()
      .optional()
      .describe('message size in bytes (data-end), or the SIZE= announced at MAIL'),
    from: matchersSchema.optional().describe('address in the From header (data-end only)'),
    password: matchersSchema.optional().describe('AUTH password (auth phase; not available with CRAM-MD5)'),
    fromNotUser: z
      .boolean()
      .optional()
      .describe('the From header (data-end) or MAIL FROM (mail) is not the authenticated user: Microsoft 365 SendAs'),
    authenticated: z.boolean().optional(),
    secure: z.boolean().optional().describe('the session is (or is not) on TLS'),
    auth: authConditionSchema.optional(),
};
export const whenSchema = z.object({ phase: phaseSchema, ...conditions }).strict();
export type When = z.infer<typeof whenSchema>;
/** The conditions of a `when` without its phase: which sessions or events a limit applies to. */
export const matchSchema = z.object(conditions).strict();
export type Match = z.infer<typeof matchSchema>;

/** Which of the matching events a rule acts on. All given fields must hold. */
export const selectSchema = z
  .object({
    nth: z.number().int().positive().optional().describe('only the Nth matching event (1 = the first)'),
    every: z.number().int().positive().optional().describe('every Nth matching event'),
    first: z.number().int().positive().optional().describe('the first N matching events'),
    after: z.number().int().nonnegative().optional().describe('every matching event after the first N'),
    probability: z.number().min(0).max(1).optional().describe('chance per matching event, drawn from the scenario seed'),
    per: z
      .enum(['global', 'session', 'sender', 'recipient', 'user', 'client'])
      .default('global')
      .describe('count matching events per session, sender, recipient, user or client instead of overall'),
    window: z
      .object({ from: clockTimeSchema, to: clockTimeSchema, timeZone: timeZoneSchema.default('UTC') })
      .strict()
      .optional()
      .describe('only while the scenario clock is between these times of day (wraps past midnight)'),
  })
  .strict();
export type Select = z.infer<typeof selectSchema>;

/** What a rule or one-shot fault does: one field per action module in server/faults/actions/. */
export { actionSchema, type Action } from './actions/index.js';

/**
 * Why a fault happens, in words a QA person can act on: shown on the session, on each
 * transaction and in the UI whenever this rule or limit fires, instead of a guess from the code.
 */
export const explanationSchema = z
  .object({
    cause: z.string().min(1).describe('what happened, as the provider would say it ("Gmail\'s daily sending limit is used up")'),
    advice: z.string().min(1).describe('what the application (or its operator) should do about it'),
    source: z.string().min(1).optional().describe('where the behaviour is documented or observed (a URL), or "invented" when it is not'),
  })
  .strict();
export type ExplanationSpec = z.infer<typeof explanationSchema>;

export const ruleSchema = z
  .object({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    explain: explanationSchema.optional(),
    when: whenSchema,
    select: selectSchema.default({ per: 'global' }),
    action: actionSchema,
  })
  .strict()
  .superRefine((rule, ctx) => {
    const problem = actionPhaseProblem(rule.action, rule.when.phase);
    if (problem) ctx.addIssue({ code: 'custom', path: ['action', problem.field], message: problem.message });
  });
export type Rule = z.infer<typeof ruleSchema>;

const keySchema = z.enum(['global', 'user', 'sender', 'sender-domain', 'client']).describe('what the counter is kept per');

const windowSchema = z.union([
  z
    .object({
      fixed: durationSchema({ positive: true, bound: SPAN_BOUND, description: 'window length; windows are aligned, not sliding' }),
      resetAt: clockTimeSchema.optional().describe('for day-long windows: the time of day a new window starts (e.g. 23:00)'),
      timeZone: timeZoneSchema.default('UTC'),
    })
    .strict(),
  z.object({ rolling: durationSchema({ positive: true, bound: SPAN_BOUND, description: 'sliding window: events in the last ...' }) }).strict(),
]);
export type WindowSpec = z.infer<typeof windowSchema>;

const limitBase = {
  name: z.string().min(1),
  description: z.string().optional(),
  explain: explanationSchema.optional(),
  match: matchSchema.optional().describe('only count and refuse events that match (e.g. users of one plan)'),
  reply: replySchema,
};

export const limitSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...limitBase,
      kind: z.literal('messages'),
      key: keySchema.default('global'),
      fallback: z
        .enum(['global', 'client'])
        .default('global')
        .describe('what a message is counted under when it has no value for `key` (sent without AUTH, null sender): the whole server, or the client address'),
      max: z.number().int().nonnegative(),
      window: windowSchema,
      phase: z.enum(['mail', 'rcpt', 'data-start', 'data-end']).default('data-end').describe('where an over-limit message is refused'),
      count: z
        .enum(['messages', 'recipients'])
        .default('messages')
        .describe('what a stored message adds: 1, or one per recipient (Amazon SES quotas count recipients; not with phase mail, where none are known yet)'),
      over: overSchema,
    })
    .strict()
    .refine((limit) => !(limit.count === 'recipients' && limit.phase === 'mail'), {
      message: 'count: recipients cannot be checked at phase mail (no recipient is known yet); use rcpt, data-start or data-end',
      path: ['count'],
    })
    .refine((limit) => !bouncesOver(limit.over) || (OVER_BOUNCE_PHASES as readonly string[]).includes(limit.phase), {
      message: `over: bounce plans a bounce for the message's recipients, so it needs phase ${OVER_BOUNCE_PHASES.join(' or ')} (at mail or data-start there is no accepted recipient to bounce)`,
      path: ['over'],
    }),
  z
    .object({
      ...limitBase,
      kind: z.literal('recipients'),
      max: z.number().int().positive().describe('recipients per message; the next RCPT gets the reply'),
      over: overSchema,
    })
    .strict(),
  z
    .object({
      ...limitBase,
      kind: z.literal('concurrent'),
      key: keySchema.default('client'),
      max: z.number().int().positive().describe('open connections per key'),
      phase: z.enum(['connect', 'auth', 'mail', 'data-start', 'data-end']).default('connect'),
    })
    .strict(),
  z
    .object({
      ...limitBase,
      kind: z.literal('connections'),
      key: z.enum(['global', 'client']).default('client'),
      max: z.number().int().nonnegative(),
      window: windowSchema,
    })
    .strict(),
  z
    .object({
      ...limitBase,
      kind: z.literal('greylist'),
      delay: durationSchema({ bound: SPAN_BOUND, description: 'how long a new client/sender/recipient triple is refused' }).default('300s'),
      clientPrefix: z.number().int().min(8).max(32).default(24).describe('IPv4 prefix length the client address is reduced to (postgrey: /24)'),
      forget: durationSchema({ bound: SPAN_BOUND, description: 'a triple (or an auto-whitelisted client) not seen for this long is forgotten (postgrey --max-age)' }).default('35d'),
      retryWindow: durationSchema({ bound: SPAN_BOUND, description: 'a deferred triple whose first retry comes later than this starts over (postgrey --retry-window)' }).default('2d'),
      autoWhitelist: z
        .number()
        .int()
        .nonnegative()
        .default(5)
        .describe('a client whose triples got through after waiting this many times (counted once an hour at most) is not greylisted any more; 0: never (postgrey --auto-whitelist-clients)'),
      header: z
        .union([z.string().regex(/^[!-9;-~]+:[^\r\n]*$/, 'a header line "Name: value", on one line'), z.literal(false)])
        .default('X-Greylist: delayed {delay} seconds by postgrey-1.37 at {hostname}; {date}')
        .describe('prepended to the message a triple first got through with ({delay}: seconds it waited); false: none'),
    })
    .strict(),
]);
export type Limit = z.infer<typeof limitSchema>;

/** The extensions mailsim can honestly offer (it implements each of them). */
export const EXTENSIONS = ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN', 'SIZE', 'STARTTLS', 'AUTH'] as const;
export const AUTH_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'] as const;

/**
 * A known mailbox. `password` is the account's own password; Google accounts with 2-Step
 * Verification also have app passwords, the only passwords Gmail's SMTP takes from them.
 */
const accountSchema = z
  .object({
    user: z.string().min(1),
    password: z.string().describe("the account's own (normal) password"),
    twoStepVerification: z.boolean().default(false).describe('2-Step Verification is on (with auth.appPassword: the normal password gets replies.appPasswordRequired)'),
    appPasswords: z
      .array(z.string().min(1))
      .default([])
      .describe('app passwords of the account (Google: 16 letters, compared without spaces); need twoStepVerification'),
  })
  .strict()
  .refine((a) => a.appPasswords.length === 0 || a.twoStepVerification, {
    message: 'appPasswords need twoStepVerification: true (Google only issues app passwords with 2-Step Verification on)',
    path: ['appPasswords'],
  });
export type Account = z.infer<typeof accountSchema>;

const DEFAULT_AUTH_REPLIES = {
  badCredentials: { code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' },
  required: { code: 530, enhanced: '5.7.0', text: 'Authentication required' },
  unsupportedMechanism: { code: 504, enhanced: '5.5.4', text: 'Unrecognized authentication type' },
};

export const authSchema = z
  .object({
    mechanisms: z.array(z.enum(AUTH_MECHANISMS)).min(1).default(['PLAIN', 'LOGIN', 'CRAM-MD5']),
    required: z.boolean().default(false).describe('MAIL FROM without AUTH gets `replies.required`'),
    accounts: z.array(accountSchema).default([]).describe('known user/password pairs'),
    acceptAny: z.boolean().default(true).describe('users not in `accounts` pass with any password'),
    appPassword: z
      .boolean()
      .default(false)
      .describe(
        'Google: SMTP takes only app passwords. A listed account logs in with one of its appPasswords; its normal password gets `replies.appPasswordRequired` with twoStepVerification on, `replies.badCredentials` without',
      ),
    basicAuth: z
      .enum(['allowed', 'refused'])
      .default('allowed')
      .describe('refused: PLAIN, LOGIN and CRAM-MD5 logins get `replies.basicAuthRefused` whatever the password (Microsoft 365 after basic auth retired); XOAUTH2 still logs in'),
    replies: z
      .object({
        badCredentials: replySchema.default(DEFAULT_AUTH_REPLIES.badCredentials),
        appPasswordRequired: replySchema.optional(),
        basicAuthRefused: replySchema.optional(),
        required: replySchema.default(DEFAULT_AUTH_REPLIES.required),
        unsupportedMechanism: replySchema.default(DEFAULT_AUTH_REPLIES.unsupportedMechanism).describe('AUTH with a mechanism the persona does not offer'),
      })
      .strict()
      .default(DEFAULT_AUTH_REPLIES),
    failureDelay: durationSchema({ bound: WAIT_BOUND, description: 'extra time before any AUTH failure reply (Microsoft 365 takes ~5 s)' }).default(0),
  })
  .strict();
export type AuthSpec = z.infer<typeof authSchema>;

/** TLS policy. The listeners' TLS modes and these policies are implemented by the TLS issue. */
export const tlsSchema = z
  .object({
    starttls: z
      .enum(['off', 'optional', 'required'])
      .default('off')
      .describe('offer STARTTLS (on listeners that can); "required": MAIL, RCPT and DATA before it get `replies.required` (RFC 3207 §4)'),
    authBeforeTls: z.enum(['allowed', 'hidden', 'refused']).default('allowed').describe('AUTH on a plain connection: allowed; not advertised until TLS; or advertised but refused'),
    fault: z
      .enum(['none', 'not-advertised', 'unavailable', 'handshake-abort', 'expired-certificate', 'wrong-host', 'self-signed', 'old-protocols'])
      .default('none'),
    replies: z
      .object({
        required: replySchema.default({ code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' }),
        unavailable: replySchema.default({ code: 454, enhanced: '4.7.0', text: 'TLS not available due to temporary reason' }),
      })
      .strict()
      .default({
        required: { code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' },
        unavailable: { code: 454, enhanced: '4.7.0', text: 'TLS not available due to temporary reason' },
      }),
  })
  .strict();
export type TlsSpec = z.infer<typeof tlsSchema>;

/**
 * Amazon SES: mail is sent only from verified identities (addresses, or whole domains), and in
 * the sandbox only to verified ones. Checked at the end of DATA, where the headers are known.
 */
export const identitiesSchema = z
  .object({
    verified: matchersSchema.describe('the verified identities: globs such as "*@example.com" (a domain) or "me@example.org"'),
    recipients: z.boolean().default(false).describe('sandbox: every recipient must be verified too'),
    reply: replySchema.describe('the refusal; {identities} is the comma-separated list of addresses that failed, in the order From, Sender, MAIL FROM, recipients'),
  })
  .strict();
export type IdentitiesSpec = z.infer<typeof identitiesSchema>;

/** How the server presents itself; templates accept the reply placeholders. */
export const personaSchema = z
  .object({
    hostname: z.string().min(1).optional().describe('name in the banner and EHLO reply; defaults to --hostname'),
    banner: z.string().default('{hostname} ESMTP mailsim').describe('text after "220 "'),
    ehlo: z.string().default('{hostname} Nice to meet you, {clientIp}').describe('first line of the EHLO reply'),
    extensions: z.array(z.enum(EXTENSIONS)).default(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN', 'SIZE', 'AUTH']),
    size: z.number().int().positive().optional().describe('SIZE limit in bytes; defaults to --max-message-size'),
    sizeReply: replySchema.default({ code: 552, enhanced: '5.3.4', text: 'Message size exceeds fixed maximum message size' }),
    auth: authSchema.default(authSchema.parse({})),
    tls: tlsSchema.default(tlsSchema.parse({})),
    identities: identitiesSchema.optional(),
    replies: z
      .object({
        starttls: z.string().optional().describe('text of the 220 to STARTTLS'),
        auth: z.string().optional().describe('text of the 235 after a successful AUTH'),
        mail: z.string().optional().describe('text of the 250 to MAIL FROM'),
        rcpt: z.string().optional(),
        data: z.string().optional().describe('text of the 354'),
        queued: z.string().optional().describe('text of the 250 after the message ({queueId} is the stored ID)'),
        quit: z.string().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();
export type Persona = z.infer<typeof personaSchema>;

export const scenarioSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().regex(SCENARIO_NAME, SCENARIO_NAME_RULE).optional().describe('defaults to the file name'),
    description: z.string().default(''),
    /** Unknown or uncertain provider behaviour is said so here, per the providers catalogue. */
    notes: z.string().optional(),
    seed: z.number().int().nonnegative().default(1).describe('seed for probability selections; same seed, same faults'),
    persona: personaSchema.default(personaSchema.parse({})),
    bounceStyle: z
      .enum(DSN_STYLE_NAMES)
      .optional()
      .describe("whose MAILER-DAEMON writes this scenario's bounces (the bounce action, POST /api/v1/message/{ID}/bounce); postfix when absent"),
    rules: z.array(ruleSchema).default([]),
    limits: z.array(limitSchema).default([]),
    dns: dnsRecordsSchema.optional(),
    providerEvents: z
      .array(providerTargetSchema)
      .default([])
      .describe("provider event webhooks for the messages this scenario accepts (delivered, deferred, bounced, dropped, spam), besides --provider-events"),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    for (const { path, message } of contradictions(scenario)) ctx.addIssue({ code: 'custom', path, message });
  });
export type Scenario = z.infer<typeof scenarioSchema> & { name: string };
export type ScenarioInput = z.input<typeof scenarioSchema>;
