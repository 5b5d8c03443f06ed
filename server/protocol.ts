/**
 * Wire types shared by the server and the UI (`import type` only: this file must stay free of
 * runtime code). Message shapes follow Mailpit's v1 API field for field so that Mailpit clients
 * work unchanged; our own resources use the same PascalCase convention.
 */

export interface Address {
  Name: string;
  Address: string;
}

export interface Envelope {
  /** MAIL FROM reverse-path; empty string for the null sender `<>` (bounces). */
  From: string;
  /** Every RCPT TO the server accepted, in order: Bcc recipients show up here. */
  To: string[];
}

/** Mailpit's MessageSummary, plus our envelope and session link. */
export interface MessageSummary {
  ID: string;
  MessageID: string;
  Read: boolean;
  From: Address | null;
  To: Address[];
  Cc: Address[];
  Bcc: Address[];
  ReplyTo: Address[];
  Subject: string;
  /** RFC 3339 time the message was received. */
  Created: string;
  Username: string;
  Tags: string[];
  Size: number;
  Attachments: number;
  Snippet: string;
  Envelope: Envelope;
  SessionID: string | null;
}

export interface Attachment {
  PartID: string;
  FileName: string;
  ContentType: string;
  ContentID: string;
  Size: number;
  Checksums: { MD5: string; SHA1: string; SHA256: string };
}

export interface ListUnsubscribe {
  Header: string;
  Links: string[];
  Errors: string;
  HeaderPost: string;
}

/** Mailpit's Message, plus our envelope and session link. */
export interface Message {
  ID: string;
  MessageID: string;
  From: Address | null;
  To: Address[];
  Cc: Address[];
  Bcc: Address[];
  ReplyTo: Address[];
  ReturnPath: string;
  Subject: string;
  ListUnsubscribe: ListUnsubscribe;
  /** RFC 3339: the Date header when it parses, else the time received. */
  Date: string;
  Tags: string[];
  Username: string;
  Text: string;
  HTML: string;
  Size: number;
  Inline: Attachment[];
  Attachments: Attachment[];
  Envelope: Envelope;
  SessionID: string | null;
  Created: string;
  /**
   * mailsim's own: what could not be parsed and why (a header, part count or nesting past the
   * store's bounds, a parse that took too long). Empty for a message parsed in full; the raw
   * source always holds everything.
   */
  ParseErrors: string[];
  /** mailsim's own: a delivery status notification mailsim sent (a bounce action or POST /api/v1/message/{ID}/bounce). */
  IsBounce: boolean;
  /** On a bounce: what it reports (its first recipient's fields) and which message it is about. */
  Bounce: BounceDetails | null;
  /** On any message: the bounces mailsim sent about it, oldest first. */
  BounceIDs: string[];
}

/** The parsed status fields of a bounce (RFC 3464 §2.3) and its link to the message it reports on. */
export interface BounceDetails {
  /** failed, delayed or delivered (RFC 3464 §2.3.3). */
  Action: string;
  /** RFC 3463 status, e.g. "5.1.1". */
  Status: string;
  /** The remote reply as the DSN quotes it, without the "smtp; " type. */
  DiagnosticCode: string;
  FinalRecipient: string;
  ReportingMTA: string;
  /** The original's Message-ID header, with its angle brackets ('' when it had none). */
  OriginalMessageID: string;
  /** The stored original's ID. */
  OriginalID: string;
  /** The session that submitted the original (null when it came some other way). */
  SessionID: string | null;
  /** Every recipient the DSN reports on. */
  Recipients: string[];
  /** Whose MAILER-DAEMON wrote it (postfix, gmail, microsoft, yahoo, ses). */
  Style: string;
}

export interface MessagesSummary {
  total: number;
  unread: number;
  count: number;
  messages_count: number;
  messages_unread: number;
  start: number;
  tags: string[];
  messages: MessageSummary[];
}

/**
 * How a session ended, as a summary that does not hide a failure: a session that delivered one
 * message and then had a message or a recipient refused reads "rejected" (or "deferred" for a
 * 4xx), its detail says how many were delivered, and each transaction keeps its own outcome.
 */
export type SessionOutcome =
  | 'active'
  | 'delivered'
  | 'connection-test'
  | 'rejected'
  | 'deferred'
  | 'auth-failed'
  | 'aborted'
  | 'timed-out'
  | 'dropped'
  | 'no-mail'
  | 'blackholed'
  | 'disconnected'
  | 'tls-failed'
  | 'interrupted'
  /** mailsim itself failed while serving the connection: it answered 421 4.3.0 and logged the stack. */
  | 'error';

/** C: client command, S: server reply, I: what the server observed or decided. */
export type TranscriptDirection = 'C' | 'S' | 'I';

export interface TranscriptEntry {
  /** Milliseconds since the Unix epoch. */
  At: number;
  Dir: TranscriptDirection;
  Text: string;
}

export interface TlsInfo {
  Protocol: string;
  Cipher: string;
  Servername: string;
}

/**
 * What became of one mail transaction (MAIL FROM to the end of data or the failure that ended
 * it, RFC 5321 §3.3). open: still running; aborted: the connection ended while the message was
 * on its way or waiting for its reply; abandoned: the client ended it (RSET, QUIT, hang-up)
 * before sending a message.
 */
export type TransactionOutcome = 'open' | 'delivered' | 'blackholed' | 'rejected' | 'deferred' | 'aborted' | 'abandoned';

export interface RefusedRecipient {
  Address: string;
  Code: number;
  Enhanced: string | null;
  Text: string;
}

/** One mail transaction of a session, with the reply that decided it. */
export interface SessionTransaction {
  /** 1 for the session's first transaction, 3 for "the app's third message". */
  Index: number;
  Started: string;
  Ended: string | null;
  /** The MAIL FROM address ("" for the null sender), null when the client never sent one. */
  From: string | null;
  Accepted: string[];
  Refused: RefusedRecipient[];
  Outcome: TransactionOutcome;
  /** The reply that decided the outcome (the 250 to the message, or the refusal that ended it). */
  Code: number | null;
  Enhanced: string | null;
  Text: string;
  /** The command that reply answered: "MAIL FROM:<a@b>", "RCPT TO:<x@y>", "DATA", "end of DATA". */
  Command: string;
  /** The stored message, when there is one. */
  MessageID: string | null;
  /** The stored message's subject, decoded (null when nothing was stored). */
  Subject?: string | null;
  /** Bytes of message data received. */
  Size: number;
  /** The fault that made the server answer so ("limit 'daily-quota'"), null for a normal reply. */
  Fault: string | null;
  Explanation: FaultExplanation | null;
}

export interface SessionSummary {
  ID: string;
  Started: string;
  Ended: string | null;
  DurationMs: number | null;
  Client: { Address: string; Port: number };
  Server: { Address: string; Port: number };
  Helo: string;
  TLS: TlsInfo | null;
  User: string;
  /** The scenario the session ran under (the last one, when a +scenario- tag moved it). */
  Scenario: string;
  Outcome: SessionOutcome;
  /** The reply code behind the outcome (the rejection, the deferral, the 250), if any. */
  OutcomeCode: number | null;
  /** One line a human can read: "550 5.1.1 mailbox unavailable at RCPT TO:<a@b>". */
  OutcomeDetail: string;
  Messages: number;
  /** Every mail transaction of the session, oldest first (the latest 1,000 of a longer session). */
  Transactions: SessionTransaction[];
}

export interface Session extends SessionSummary {
  MessageIDs: string[];
  Transcript: TranscriptEntry[];
}

export interface SessionsList {
  total: number;
  count: number;
  start: number;
  sessions: SessionSummary[];
}

export interface RuntimeStats {
  Uptime: number;
  Memory: number;
  MessagesDeleted: number;
  SMTPAccepted: number;
  SMTPAcceptedSize: number;
  SMTPRejected: number;
  SMTPIgnored: number;
}

export interface AppInfo {
  Version: string;
  LatestVersion: string;
  Database: string;
  DatabaseSize: number;
  Messages: number;
  Unread: number;
  Tags: Record<string, number>;
  RuntimeStats: RuntimeStats;
}

export interface ApiError {
  Error: string;
  /** mailsim's error code (server/errors/catalogue.ts): BAD_REQUEST, NOT_FOUND, UNAVAILABLE... */
  Code?: string;
}

/** A decision of the fault engine that changed what a client experienced. */
export interface FaultEvent {
  SessionID: string;
  At: number;
  Phase: string;
  /** rule | limit | persona | one-shot | chaos */
  Source: string;
  /** The scenario the session ran under (the label of mailsim_faults_fired_total). */
  Scenario?: string;
  Name: string;
  Reason: string;
  /** The reply sent instead of the normal one, if any ("421 4.7.0 Try again later"). */
  Reply: string | null;
  /** The scenario's explanation of this fault, when the rule or limit has one. */
  Explanation?: FaultExplanation;
}

/** Why a fault happened and what to do, in words a QA person trusts (a scenario's `explain`). */
export interface FaultExplanation {
  Cause: string;
  Advice: string;
  /** Where the behaviour is documented, or "invented". */
  Source?: string;
}

export interface ScenarioError {
  File: string;
  Line: number;
  Column: number;
  /** Dotted path of the offending field ("rules.2.action.reply.code"), "" for syntax errors. */
  Field: string;
  Message: string;
}

export interface ScenarioInfo {
  Name: string;
  Description: string;
  Notes: string;
  /** builtin (scenarios/ in the package), user (--scenarios DIR) or inline (uploaded through the API). */
  Source: 'builtin' | 'user' | 'inline';
  File: string | null;
  /** False when the file's latest version is invalid; the last valid version (if any) keeps running. */
  Valid: boolean;
  Error: ScenarioError | null;
}

export interface ListenerInfo {
  Address: string;
  Port: number;
  /** What a client meets now: an `auto` listener is `starttls` only while its scenario offers STARTTLS. */
  Mode: 'plain' | 'starttls' | 'tls';
  /** The mode it was started with (--smtp ...:auto, plain, starttls or tls). */
  Configured: 'auto' | 'plain' | 'starttls' | 'tls';
  Scenario: string;
}

/** GET /api/v1/pop3: the --pop3 listener, when there is one. */
export interface Pop3Info {
  Enabled: boolean;
  Address: string;
  Port: number;
  Mode: 'plain' | 'starttls' | 'tls';
  /** `any`: any password opens any mailbox; `file`: --pop3-auth-file decides. */
  Auth: 'any' | 'file';
  OpenSessions: number;
}

export interface ScenariosList {
  scenarios: ScenarioInfo[];
  listeners: ListenerInfo[];
}

export interface ClockInfo {
  /** The scenario clock (real time plus the offset a test advanced it by), RFC 3339. */
  Now: string;
  OffsetMs: number;
}

export interface CounterInfo {
  Scenario: string;
  Limit: string;
  Kind: string;
  Key: string;
  Count: number;
  Max: number;
  WindowStart: string | null;
  NextReset: string | null;
}

export interface OneShotFaultInfo {
  ID: string;
  When: Record<string, unknown>;
  Action: Record<string, unknown>;
  Remaining: number;
  Scenario: string | null;
}

/**
 * What goes over /api/events, one JSON frame per event in Mailpit's envelope
 * (`{"Type": ..., "Data": ...}`). `new`, `update`, `delete`, `truncate`, `prune` and `stats` are
 * Mailpit's, with its shapes (server/websockets and internal/storage): one `update` or `delete`
 * per message, `truncate` and `prune` with `null`; the rest are ours.
 */
export interface FrameMap {
  /** As Mailpit broadcasts it: a From-less message has `From: {"Name": "", "Address": ""}`, never null. */
  new: MessageSummary & { From: Address };
  /** A read flag changed, or the message's tags were set (to `Tags`). */
  update: { ID: string; Read: boolean } | { ID: string; Tags: string[] };
  delete: { ID: string };
  /** Every message was deleted. */
  truncate: null;
  /** Many messages changed at once (a tag renamed or deleted, a bulk deletion): reload. */
  prune: null;
  stats: { Total: number; Unread: number; Version: string };
  session: SessionSummary;
  fault: FaultEvent;
  scenario: { Scenario: ScenarioInfo; Listeners: ListenerInfo[] };
  clock: ClockInfo;
  reset: Record<string, never>;
}

export type FrameType = keyof FrameMap;
export type Frame = { [K in FrameType]: { Type: K; Data: FrameMap[K] } }[FrameType];

/**
 * mailsim's own (GET /api/v1/message/{ID}/auth-check): is this message authenticated? DKIM,
 * SPF and DMARC as a receiving server would see them, checked by mailauth against the DNS
 * records a scenario (`dns:`) or --dns-file declares, plus the sender best practices
 * Gmail's and Outlook's sender requirements name. Results are RFC 8601 §2.7 names.
 */
export interface AuthVerdict {
  /** pass, fail, none, neutral, softfail, policy, temperror or permerror. */
  Result: string;
  /** Why, in the checker's words ("body hash did not verify", "domain of a@b does not designate 1.2.3.4"). */
  Reason: string;
  /** The method's Authentication-Results entry (RFC 8601), '' when the method did not run. */
  Info: string;
}

export interface DkimSignatureVerdict extends AuthVerdict {
  Domain: string;
  Selector: string;
  Algorithm: string;
  /** The From domain this signature aligns with for DMARC (RFC 7489 §3.1.1), '' when it does not. */
  AlignedWith: string;
}

export interface AuthCheckItem {
  /** message-id, date, return-path, list-unsubscribe, list-unsubscribe-post. */
  Check: string;
  Result: 'pass' | 'fail' | 'skipped';
  Detail: string;
}

export interface AuthDnsLookup {
  Name: string;
  Type: string;
  /** declared: from the scenario or --dns-file; missing: answered "no such record" without asking anyone; network: a real lookup (--dns). */
  Source: 'declared' | 'missing' | 'network';
  /** What the lookup gave: records, NXDOMAIN, NODATA, or the network error. */
  Answer: string;
}

export interface MessageAuth {
  ID: string;
  /** RFC 3339 time of the check. */
  Checked: string;
  /** The identities checked: the envelope sender, the client address and its HELO name. */
  Envelope: { Sender: string; ClientIP: string; Helo: string };
  /** The best of the message's signatures (pass if any passes), with each one. */
  DKIM: AuthVerdict & { Signatures: DkimSignatureVerdict[] };
  /** SPF for the envelope sender's domain (RFC 7208 §2.4: the HELO name when MAIL FROM is null). */
  SPF: AuthVerdict & { Domain: string };
  /** SPF for the HELO name (RFC 7208 §2.3). */
  HeloSPF: AuthVerdict & { Domain: string };
  DMARC: AuthVerdict & { Domain: string; Policy: string; SPFAligned: string; DKIMAligned: string };
  ARC: AuthVerdict;
  /** The Authentication-Results header a receiving server would add. */
  AuthenticationResults: string;
  /** Message-ID, Date, Return-Path, List-Unsubscribe (RFC 2369 / RFC 8058 for bulk mail). */
  BestPractice: AuthCheckItem[];
  /** Every DNS lookup the checks made, in order. */
  DNS: AuthDnsLookup[];
  /** Whether names not declared were looked up on the network (--dns). */
  NetworkLookups: boolean;
}
