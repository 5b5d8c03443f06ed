import type { Clock } from '../../server/ports/contracts.js';
import type { FaultContext, SessionView } from '../../server/faults/context.js';
import { DecisionBuilder, type Contribution } from '../../server/faults/decision-builder.js';
import type { Decision } from '../../server/faults/decision.js';
import { FaultEngine } from '../../server/faults/engine.js';
import { scenarioSchema, type Phase, type Scenario, type ScenarioInput } from '../../server/faults/schema.js';

/** 2026-11-21T12:00:00Z, a Saturday. */
export const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export class FakeClock implements Clock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const defaults = { hostname: 'mailsim.test', maxMessageSize: 10_000 };

export function scenario(input: ScenarioInput = {}, name = 'test'): Scenario {
  return { ...scenarioSchema.parse(input), name };
}

export function session(overrides: Partial<SessionView> = {}): SessionView {
  return { id: 's1', clientAddress: '192.0.2.10', clientPort: 50000, helo: 'client.example', user: '', secure: false, delivered: 0, ...overrides };
}

type CtxOverrides = Omit<Partial<FaultContext>, 'session'> & { session?: Partial<SessionView> };

export function ctx(phase: Phase, overrides: CtxOverrides = {}): FaultContext {
  const { session: sessionOverrides, ...rest } = overrides;
  return { phase, session: session(sessionOverrides), recipients: [], ...rest };
}

/**
 * The engine as the controller drives it (evaluate/open into a fresh builder), with the one-call
 * shape tests read best. Production code goes through FaultController, which adds one-shot
 * faults and chaos to the same builder.
 */
export class TestEngine extends FaultEngine {
  decide(ctx: FaultContext): Decision {
    const builder = new DecisionBuilder();
    this.evaluate(ctx, builder);
    return builder.build();
  }

  sessionOpened(session: SessionView): Decision {
    const builder = new DecisionBuilder();
    this.open(session, builder);
    return builder.build();
  }
}

export function engine(input: ScenarioInput = {}, clock = new FakeClock()): { engine: TestEngine; clock: FakeClock } {
  return { engine: new TestEngine(scenario(input), { clock, defaults }), clock };
}

/** One contribution (a one-shot fault's or chaos's) as the decision it makes on its own. */
export function decision(contribution: Contribution | undefined): Decision | undefined {
  if (!contribution) return undefined;
  const builder = new DecisionBuilder();
  builder.add(contribution);
  return builder.build();
}

/** The reply a decision sends, as "code enhanced text", or the verdict kind. */
export function outcome(decision: { verdict: { kind: string; reply?: { code: number; enhanced?: string; lines: string[] } } }): string {
  const { verdict } = decision;
  if (verdict.kind !== 'reply' || !verdict.reply) return verdict.kind;
  return [verdict.reply.code, verdict.reply.enhanced, verdict.reply.lines.join(' | ')].filter((p) => p !== undefined && p !== '').join(' ');
}

export const reply = (code: number, text = `reply ${code}`, enhanced?: string) => ({ code, text, ...(enhanced && { enhanced }) });
