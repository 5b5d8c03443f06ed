import { readFileSync } from 'node:fs';
import { badRequest, type CodedError } from '../errors/catalogue.js';
import type { EventBus } from '../events/bus.js';
import type { FaultController } from '../faults/controller.js';
import type { ScenarioClock } from '../faults/scenario-clock.js';
import { formatPath, validateChaos, validateOneShot, type Validated, type ValidationIssue } from '../faults/validate.js';
import type { ScenarioControl } from '../http/routes/scenarios.js';
import type { ClockInfo, ListenerInfo } from '../protocol.js';
import type { ScenarioRegistry } from '../scenarios/registry.js';
import { offersStartTls, withListenerTls } from '../smtp/ehlo-lines.js';
import type { SmtpListener } from '../smtp/listener.js';
import { formatHostPort } from '../util/host-port.js';

/**
 * The control plane behind the scenario, fault, chaos and clock endpoints: it ties the scenario
 * registry, the listeners and the fault controller together and announces every change.
 */
export class ControlPlane implements ScenarioControl {
  constructor(
    private readonly registry: ScenarioRegistry,
    private readonly listeners: SmtpListener[],
    private readonly controller: FaultController,
    private readonly scenarioClock: ScenarioClock,
    private readonly bus: EventBus,
  ) {}

  list() {
    return { scenarios: this.registry.list(), listeners: this.listenerInfo() };
  }

  info(name: string) {
    const info = this.registry.info(name);
    if (!info) return undefined;
    const scenario = this.registry.get(name);
    const text = info.File ? readFileSync(info.File, 'utf8') : JSON.stringify(scenario ?? {}, null, 2);
    return { ...info, Text: text };
  }

  activate(selection: { name: string } | { definition: unknown }, listener?: string): ListenerInfo[] {
    const name = 'name' in selection ? selection.name : this.#register(selection.definition);
    if (!this.registry.has(name)) throw badRequest(`no valid scenario named "${name}" (known: ${this.registry.names().join(', ')})`);
    const targets = listener === undefined ? this.listeners : this.listeners.filter((l) => l.address && formatHostPort({ host: l.address.address, port: l.address.port }) === listener);
    if (!targets.length) throw badRequest(`no listener ${listener} (listeners: ${this.listenerInfo().map((l) => formatHostPort({ host: l.Address, port: l.Port })).join(', ')})`);
    for (const target of targets) target.scenario = name;
    const listeners = this.listenerInfo();
    this.bus.publish('scenario.changed', { Scenario: this.registry.info(name)!, Listeners: listeners });
    return listeners;
  }

  listenerInfo(): ListenerInfo[] {
    return this.listeners.map((l) => ({
      Address: l.address?.address ?? '',
      Port: l.address?.port ?? 0,
      Mode: this.#effectiveMode(l),
      Configured: l.mode,
      Scenario: l.scenario,
    }));
  }

  /**
   * What a new connection meets, by the rule the EHLO reply follows (smtp/ehlo-lines.ts): an
   * `auto` listener offers STARTTLS only when its scenario's persona does (issue 11: every
   * `auto` listener was reported as starttls, including those that never offered it).
   */
  #effectiveMode(listener: SmtpListener): ListenerInfo['Mode'] {
    if (listener.mode === 'tls') return 'tls';
    const persona = this.registry.get(listener.scenario)?.persona;
    if (listener.mode === 'plain' || !persona) return listener.mode === 'starttls' && listener.canStartTls ? 'starttls' : 'plain';
    const offered = offersStartTls(withListenerTls(persona, listener.mode === 'starttls'), { secure: false, canStartTls: listener.canStartTls });
    return offered ? 'starttls' : 'plain';
  }

  clock(): ClockInfo {
    return { Now: new Date(this.scenarioClock.now()).toISOString(), OffsetMs: this.scenarioClock.offset };
  }

  /** A move the clock cannot make (past what a Date can represent) is a 400; the clock stays put. */
  moveClock(change: { advanceMs: number } | { set: number } | 'reset'): ClockInfo {
    try {
      if (change === 'reset') this.scenarioClock.reset();
      else if ('advanceMs' in change) this.scenarioClock.advance(change.advanceMs);
      else this.scenarioClock.set(change.set);
    } catch (error) {
      // The same shape as the route's own checks (parseInput): "invalid body advance: ...".
      if (error instanceof RangeError) throw badRequest(`invalid body ${change !== 'reset' && 'set' in change ? 'set' : 'advance'}: ${error.message}`);
      throw error;
    }
    const info = this.clock();
    this.bus.publish('clock.changed', info);
    return info;
  }

  counters() {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return this.controller.counters().map((c) => ({
      Scenario: c.scenario,
      Limit: c.limit,
      Kind: c.kind,
      Key: c.key,
      Count: c.count,
      Max: c.max,
      WindowStart: iso(c.windowStart),
      NextReset: iso(c.nextReset),
    }));
  }

  faults() {
    return this.controller.oneShots.list().map((f) => ({
      ID: f.id,
      When: f.when as Record<string, unknown>,
      Action: f.action as Record<string, unknown>,
      Remaining: f.remaining,
      Scenario: f.scenario ?? null,
    }));
  }

  addFault(request: unknown): string {
    return this.controller.oneShots.add(valid('body', validateOneShot(request ?? {})));
  }

  removeFault(id: string): boolean {
    return this.controller.oneShots.remove(id);
  }

  clearFaults(): void {
    this.controller.oneShots.clear();
  }

  chaos() {
    return this.controller.chaos.get();
  }

  setChaos(triggers: unknown) {
    return this.controller.chaos.set(valid('body', validateChaos(triggers)));
  }

  /**
   * Back to the start-up state (POST /api/v1/reset): each listener's scenario, counters,
   * one-shot faults, chaos settings and the clock offset.
   */
  reset(): void {
    for (const listener of this.listeners) listener.scenario = listener.initialScenario;
    this.controller.reset();
    this.scenarioClock.reset();
  }

  /** Validated as a scenario file is; an invalid one is a 400 and the running scenarios stay as they were. */
  #register(definition: unknown): string {
    const added = this.registry.addInline(definition);
    if (!added.ok) throw invalid('Scenario', added.issue);
    return added.name;
  }
}

/** "Scenario.rules.0.when.sender.regex: backreferences are not supported (...)" */
function invalid(prefix: string, issue: ValidationIssue): CodedError {
  return badRequest(`${formatPath(prefix, issue.path)}: ${issue.message}`);
}

function valid<T>(prefix: string, result: Validated<T>): T {
  if (!result.ok) throw invalid(prefix, result.issue);
  return result.value;
}
