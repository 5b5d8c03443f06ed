import type { Clock } from '../ports/contracts.js';
import { formatDuration } from '../util/duration.js';
import { replyContribution } from './action.js';
import { attempt, brokenLimit, contained } from './contained.js';
import type { FaultContext, SessionView } from './context.js';
import { DecisionBuilder, type Contribution } from './decision-builder.js';
import { durationMs } from './duration-ms.js';
import { overBouncePlan } from './limit-over.js';
import { createLimit, type CounterState, type LimitRuntime } from './limits.js';
import { OpenSessions } from './open-sessions.js';
import { checkPersona } from './persona-checks.js';
import { placeholderValues, renderTemplate, type PlaceholderSource } from './placeholders.js';
import { brokenRule, CompiledRule, type RuleRuntime } from './rules.js';
import type { Scenario } from './schema.js';

export type { CounterState } from './limits.js';

/** Commands that end any open transaction (RFC 5321 §4.1.1.1 EHLO, §4.1.1.2 MAIL, §4.1.1.5 RSET): room it held goes back. */
const TRANSACTION_STARTS: ReadonlySet<FaultContext['phase']> = new Set(['helo', 'mail', 'rset']);

export interface EngineDeps {
  clock: Clock;
  defaults: { hostname: string; maxMessageSize: number };
}

/**
 * The runtime state of one scenario: compiled rules, persona checks and limit counters.
 * Pure: time from the injected clock, chance from seeded streams, delays returned as numbers.
 * Order per event: rules (file order), persona checks, limits; the first terminal verdict wins.
 * Never throws for a scenario, valid or not: see contained.ts.
 */
export class FaultEngine {
  private readonly rules: RuleRuntime[];
  private readonly limits: LimitRuntime[];
  private readonly sessions = new OpenSessions();
  private readonly failureDelayMs: number;
  /** Per session: the limits that accepted this transaction over their max and planned its bounce (not counted when it is stored). */
  private readonly bouncedBy = new Map<string, Set<LimitRuntime>>();

  constructor(
    readonly scenario: Scenario,
    private readonly deps: EngineDeps,
  ) {
    this.rules = scenario.rules.map((rule, index) =>
      attempt<RuleRuntime>(() => new CompiledRule(rule, index, scenario.seed), (error) => brokenRule(rule, index, error)),
    );
    this.limits = scenario.limits.map((limit) => attempt(() => createLimit(limit, this.sessions), (error) => brokenLimit(limit, error)));
    this.failureDelayMs = attempt(() => durationMs(scenario.persona.auth.failureDelay), () => 0);
  }

  /**
   * The connect decision, added to one the controller may have started; from here on the
   * session counts for client/global concurrency. The attempt is counted and the
   * session tracked whatever the verdict: a refused connection was still an attempt.
   */
  open(session: SessionView, builder: DecisionBuilder): void {
    this.evaluate({ phase: 'connect', session, recipients: [] }, builder);
    const now = this.deps.clock.now();
    this.sessions.opened(session);
    this.feedLimits((limit) => limit.opened?.(session, now));
  }

  /**
   * Starts counting an open session for concurrency without a connect decision or a connection
   * attempt: for a session that switches to this scenario mid-way (a `+scenario-x` address).
   */
  trackSession(session: SessionView): void {
    this.sessions.opened(session);
    if (session.user !== '') this.sessions.authenticated(session);
  }

  sessionAuthenticated(session: SessionView): void {
    this.sessions.authenticated(session);
  }

  /** The adapter calls this only once a message being stored has been counted (or refused), so a closing connection cannot free room its message takes. */
  sessionClosed(sessionId: string): void {
    this.sessions.closed(sessionId);
    this.releaseHolds(sessionId);
  }

  /**
   * Adds this scenario's contributions to a decision others may have started (the controller's
   * one-shot faults and chaos). A settled builder skips rules, checks and limits, but an auth
   * failure still gets the persona's failure delay.
   */
  evaluate(ctx: FaultContext, builder: DecisionBuilder): void {
    if (ctx.sender !== undefined) this.sessions.sawSender(ctx.session.id, ctx.sender);
    const now = this.deps.clock.now();
    const render = (text: string): string => this.render(text, ctx);
    for (const rule of this.rules) {
      if (builder.settled) break;
      const contribution = contained({ source: 'rule', name: rule.name, phase: ctx.phase }, () => rule.evaluate(ctx, now, render));
      if (contribution) builder.add(contribution);
    }
    if (!builder.settled) {
      const persona = contained({ source: 'persona', name: 'checks', phase: ctx.phase }, () => this.checkPersona(ctx));
      if (persona) builder.add(persona);
    }
    if (TRANSACTION_STARTS.has(ctx.phase)) this.releaseHolds(ctx.session.id);
    const passed: LimitRuntime[] = [];
    for (const limit of this.limits) {
      if (builder.settled) break;
      const contribution = contained({ source: 'limit', name: limit.limit.name, phase: ctx.phase }, () => this.checkLimit(limit, ctx, now));
      if (contribution) builder.add(contribution);
      else passed.push(limit);
    }
    this.settleHolds(ctx, builder, passed, now);
    this.addAuthFailureDelay(ctx, builder);
  }

  /**
   * Check and hold are one synchronous step (reservations.ts): when the decision lets the event
   * through, every limit that passed it holds room for the transaction; a refused end of DATA
   * ends the transaction, and its room goes back.
   */
  private settleHolds(ctx: FaultContext, builder: DecisionBuilder, passed: LimitRuntime[], now: number): void {
    const verdict = builder.current;
    if (verdict === undefined || verdict.kind === 'continue') {
      for (const limit of passed) this.feedLimit(limit, (l) => l.reserve?.(ctx, now));
      if (ctx.phase === 'data-end') this.addTraceHeaders(ctx, builder);
    } else if (ctx.phase === 'data-end') {
      this.releaseHolds(ctx.session.id);
    }
  }

  /** Headers limits add to a message that is about to be stored (postgrey's X-Greylist), one line each, CR and LF removed. */
  private addTraceHeaders(ctx: FaultContext, builder: DecisionBuilder): void {
    this.feedLimits((limit) => {
      const header = limit.traceHeader?.(ctx);
      if (header) builder.addHeader(this.render(header.template, ctx, header.extra).replace(/[\r\n]+/g, ' '));
    });
  }

  private releaseHolds(sessionId: string): void {
    this.bouncedBy.delete(sessionId);
    this.feedLimits((limit) => limit.release?.(sessionId));
  }

  private checkPersona(ctx: FaultContext): Contribution | undefined {
    const hit = checkPersona(ctx, this.scenario.persona, this.deps.defaults.maxMessageSize);
    if (!hit) return undefined;
    const fired = { source: 'persona' as const, name: hit.name, phase: ctx.phase, reason: hit.reason, ...(hit.explanation && { explanation: hit.explanation }) };
    return replyContribution(fired, hit.reply, (text) => this.render(text, ctx));
  }

  /** The first limit that refuses settles the decision. */
  private checkLimit(limit: LimitRuntime, ctx: FaultContext, now: number): Contribution | undefined {
    const hit = limit.check(ctx, now);
    if (!hit) return undefined;
    const explanation = limit.limit.explain ?? hit.explanation;
    const over = 'over' in limit.limit ? overBouncePlan(limit.limit.over, hit.reply, hit.extra) : undefined;
    if (over) {
      const bounced = this.bouncedBy.get(ctx.session.id) ?? new Set();
      this.bouncedBy.set(ctx.session.id, bounced.add(limit));
      const reason = `${hit.reason}; over the limit: accepted with 250, a ${over.kind} bounce planned in ${formatDuration(over.afterMs)} of scenario-clock time (over: bounce)`;
      return { fired: { source: 'limit', name: limit.limit.name, phase: ctx.phase, reason, ...(explanation && { explanation }) }, delayMs: 0, verdict: { kind: 'continue', bounce: over } };
    }
    const fired = { source: 'limit' as const, name: limit.limit.name, phase: ctx.phase, reason: hit.reason, ...(explanation && { explanation }) };
    return replyContribution(fired, hit.reply, (text) => this.render(text, ctx, hit.extra));
  }

  /** Microsoft 365 answers a failed AUTH only after ~5 s (a nodemailer log, https://github.com/nodemailer/nodemailer/issues/1484): any refusal at AUTH waits auth.failureDelay. */
  private addAuthFailureDelay(ctx: FaultContext, builder: DecisionBuilder): void {
    const verdict = builder.current;
    if (ctx.phase !== 'auth' || this.failureDelayMs <= 0 || verdict?.kind !== 'reply' || verdict.reply.code < 400) return;
    const reason = `persona: auth failures are answered after ${formatDuration(this.failureDelayMs)} (auth.failureDelay)`;
    builder.add({ fired: { source: 'persona', name: 'auth-failure-delay', phase: ctx.phase, reason }, delayMs: this.failureDelayMs });
  }

  /** A message was stored: count it for 'messages' limits. Returns transcript notes: what each limit counted, under which key. */
  delivered(ctx: FaultContext): string[] {
    const now = this.deps.clock.now();
    const notes: string[] = [];
    const bounced = this.bouncedBy.get(ctx.session.id);
    this.bouncedBy.delete(ctx.session.id);
    this.feedLimits((limit) => {
      // Past its max the provider accepted the message only to bounce it: it was not sent, so it does not count.
      if (bounced?.has(limit)) {
        limit.release?.(ctx.session.id);
        notes.push(`limit '${limit.limit.name}' did not count the message: it was over the limit, accepted and bounced`);
        return;
      }
      const note = limit.delivered?.(ctx, now);
      if (note) notes.push(note);
    });
    return notes;
  }

  private feedLimits(feed: (limit: LimitRuntime) => void): void {
    for (const limit of [...this.limits]) this.feedLimit(limit, feed);
  }

  /** A limit that fails to count is broken from then on, and says so each time it is checked. */
  private feedLimit(limit: LimitRuntime, feed: (limit: LimitRuntime) => void): void {
    try {
      feed(limit);
    } catch (error) {
      const index = this.limits.indexOf(limit);
      if (index >= 0) this.limits[index] = brokenLimit(limit.limit, error);
    }
  }

  counters(): CounterState[] {
    const now = this.deps.clock.now();
    return this.limits.flatMap((limit) => attempt(() => limit.counters(now), () => []));
  }

  render(template: string, source: PlaceholderSource, extra?: Record<string, string>): string {
    const hostname = this.scenario.persona.hostname ?? this.deps.defaults.hostname;
    return renderTemplate(template, placeholderValues(source, { hostname, now: this.deps.clock.now() }, extra));
  }

  /** Forgets counters, rule match counts, greylist memory and PRNG positions; open connections stay open. */
  reset(): void {
    for (const rule of this.rules) rule.reset();
    for (const limit of this.limits) limit.reset();
  }

  /** Takes over the open connections of the engine this one replaces (a reloaded scenario file). */
  adoptSessionsFrom(previous: FaultEngine): void {
    this.sessions.adopt(previous.sessions);
  }
}
