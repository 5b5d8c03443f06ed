import type { SessionView } from '../faults/context.js';
import type { Persona, Scenario } from '../faults/schema.js';
import { scenarioTag } from '../util/scenario-name.js';
import { ehloCapabilities, offersStartTls, withListenerTls } from './ehlo-lines.js';
import type { FaultPort, ScenarioLookup } from './fault-port.js';
import type { SessionState } from './session-state.js';
import type { TlsGate } from './tls-gate.js';

export interface PersonaDeps {
  faults: Pick<FaultPort, 'render' | 'sessionMoved'>;
  scenarios: ScenarioLookup;
  tls: Pick<TlsGate, 'canStartTls' | 'forcesStartTls'>;
  maxMessageSize: number;
}

/**
 * The scenario one session runs under and its persona as this listener presents it: the
 * wording of its replies, its EHLO capabilities, whether it offers STARTTLS now. An AUTH user
 * or MAIL FROM of the form name+scenario-NAME@domain moves the session to another scenario.
 */
export class SessionPersona {
  constructor(
    public scenario: Scenario,
    private readonly deps: PersonaDeps,
    private readonly state: SessionState,
    private readonly view: () => SessionView,
  ) {}

  /** A `starttls` listener offers STARTTLS even where the scenario's persona would not. */
  get persona(): Persona {
    return withListenerTls(this.scenario.persona, this.deps.tls.forcesStartTls);
  }

  offersStartTls(): boolean {
    return offersStartTls(this.persona, { secure: this.state.tls !== null, canStartTls: this.deps.tls.canStartTls });
  }

  capabilities(): string[] {
    return ehloCapabilities(this.persona, {
      secure: this.state.tls !== null,
      authenticated: this.state.user !== '',
      canStartTls: this.deps.tls.canStartTls,
      size: this.scenario.persona.size ?? this.deps.maxMessageSize,
    });
  }

  render(template: string, extra?: Record<string, string>): string {
    return this.deps.faults.render(this.scenario, template, { session: this.view() }, extra);
  }

  queuedText(queueId: string): string {
    const template = this.scenario.persona.replies.queued;
    return template === undefined ? `Ok: queued as ${queueId}` : this.render(template, { queueId });
  }

  /** Follows a +scenario-NAME tag in `address`, if it names another scenario that exists. */
  switchFor(address: string, where: string): void {
    const name = scenarioTag(address);
    if (!name || name === this.scenario.name) return;
    const next = this.deps.scenarios(name);
    if (!next) return this.state.note(`${where} asks for scenario "${name}", which does not exist; staying with ${this.scenario.name}`);
    this.deps.faults.sessionMoved(this.scenario, next, this.view());
    this.scenario = next;
    this.state.scenario = next.name;
    this.state.note(`${where} selects scenario ${name} for the rest of the session`);
  }
}
