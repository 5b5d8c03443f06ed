import type { FaultContext, SessionView } from './context.js';
import { Chaos } from './chaos.js';
import { contained } from './contained.js';
import { DecisionBuilder } from './decision-builder.js';
import type { Decision } from './decision.js';
import { FaultEngine, type CounterState, type EngineDeps } from './engine.js';
import { OneShotFaults } from './one-shot.js';
import type { PlaceholderSource } from './placeholders.js';
import type { Scenario } from './schema.js';

export interface ControllerDeps extends EngineDeps {
  /** Seed of the chaos triggers' streams (scenarios carry their own seeds). */
  chaosSeed?: number;
}

/**
 * The one object the SMTP adapter and the API talk to: one engine per scenario, plus the
 * run-time one-shot faults and Mailpit-style chaos that apply whatever scenario is active.
 * Per event: one-shot faults, then chaos, then the scenario; delays add up, the first terminal
 * verdict wins, `fired` lists everything.
 */
export class FaultController {
  readonly oneShots = new OneShotFaults();
  readonly chaos: Chaos;
  private readonly engines = new Map<string, FaultEngine>();

  constructor(private readonly deps: ControllerDeps) {
    this.chaos = new Chaos(deps.chaosSeed ?? 1);
  }

  /**
   * The engine of this scenario object. A reloaded file is a new object and gets a fresh engine
   * (its counters start over, as the file may have changed them), which takes over the open
   * connections so concurrency limits stay right across the reload.
   */
  engineFor(scenario: Scenario): FaultEngine {
    const current = this.engines.get(scenario.name);
    if (current?.scenario === scenario) return current;
    const engine = new FaultEngine(scenario, { clock: this.deps.clock, defaults: this.deps.defaults });
    if (current) engine.adoptSessionsFrom(current);
    this.engines.set(scenario.name, engine);
    return engine;
  }

  sessionOpened(scenario: Scenario, session: SessionView): Decision {
    const engine = this.engineFor(scenario);
    const builder = new DecisionBuilder();
    const ctx: FaultContext = { phase: 'connect', session, recipients: [] };
    this.runtimeFaults(ctx, scenario, builder, engine);
    engine.open(session, builder);
    return builder.build();
  }

  sessionAuthenticated(scenario: Scenario, session: SessionView): void {
    this.engineFor(scenario).sessionAuthenticated(session);
  }

  sessionClosed(scenario: Scenario, sessionId: string): void {
    this.engineFor(scenario).sessionClosed(sessionId);
  }

  decide(scenario: Scenario, ctx: FaultContext): Decision {
    const engine = this.engineFor(scenario);
    const builder = new DecisionBuilder();
    this.runtimeFaults(ctx, scenario, builder, engine);
    engine.evaluate(ctx, builder);
    return builder.build();
  }

  /** Contained like the engine's rules (contained.ts): an armed fault must not break the session it fires in. */
  private runtimeFaults(ctx: FaultContext, scenario: Scenario, builder: DecisionBuilder, engine: FaultEngine): void {
    const oneShot = contained({ source: 'one-shot', name: 'faults', phase: ctx.phase }, () => this.oneShots.take(ctx, scenario.name, (text) => engine.render(text, ctx)));
    if (oneShot) builder.add(oneShot);
    if (builder.settled) return;
    const chaos = contained({ source: 'chaos', name: 'triggers', phase: ctx.phase }, () => this.chaos.take(ctx));
    if (chaos) builder.add(chaos);
  }

  /** A session switches scenario mid-way: it leaves one engine's concurrency counts for the other's, without a new connect decision. */
  sessionMoved(from: Scenario, to: Scenario, session: SessionView): void {
    this.engineFor(from).sessionClosed(session.id);
    this.engineFor(to).trackSession(session);
  }

  /** Placeholder expansion with the scenario's hostname and the scenario clock. */
  render(scenario: Scenario, template: string, source: PlaceholderSource, extra?: Record<string, string>): string {
    return this.engineFor(scenario).render(template, source, extra);
  }

  /** Counts a stored message; the notes say what each limit counted and under which key (for the transcript). */
  delivered(scenario: Scenario, ctx: FaultContext): string[] {
    return this.engineFor(scenario).delivered(ctx);
  }

  counters(): (CounterState & { scenario: string })[] {
    return [...this.engines].flatMap(([scenario, engine]) => engine.counters().map((counter) => ({ ...counter, scenario })));
  }

  /** Every engine's counters, the one-shot faults and chaos back to defaults. The clock is the caller's. */
  reset(): void {
    for (const engine of this.engines.values()) engine.reset();
    this.oneShots.clear();
    this.chaos.reset();
  }
}
