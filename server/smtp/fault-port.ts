import type { FaultContext, SessionView } from '../faults/context.js';
import type { Decision } from '../faults/decision.js';
import type { Scenario } from '../faults/schema.js';

/**
 * What the SMTP adapter needs from the fault engine (faults/controller.ts satisfies it). The
 * adapter depends on this shape only; the engine knows nothing about sockets.
 */
export interface FaultPort {
  sessionOpened(scenario: Scenario, session: SessionView): Decision;
  sessionAuthenticated(scenario: Scenario, session: SessionView): void;
  sessionClosed(scenario: Scenario, sessionId: string): void;
  /** The session switched scenario mid-way (AUTH user or MAIL FROM +scenario-NAME). */
  sessionMoved(from: Scenario, to: Scenario, session: SessionView): void;
  decide(scenario: Scenario, ctx: FaultContext): Decision;
  /** A message was stored; returns transcript notes (what each limit counted, under which key). */
  delivered(scenario: Scenario, ctx: FaultContext): readonly string[] | void;
  render(scenario: Scenario, template: string, ctx: FaultContext | { session: SessionView }, extra?: Record<string, string>): string;
}

/** Resolves a scenario by name at the moment a session needs it: edits apply to new sessions. */
export type ScenarioLookup = (name: string) => Scenario | undefined;
