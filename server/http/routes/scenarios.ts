import { Router } from 'express';
import { z } from 'zod';
import type { ClockInfo, CounterInfo, ListenerInfo, OneShotFaultInfo, ScenarioInfo, ScenariosList } from '../../protocol.js';
import { parseDuration } from '../../util/duration.js';
import { parseInput } from '../errors.js';
import { notFound } from '../../errors/catalogue.js';

/** What the HTTP layer may do with scenarios, faults and the scenario clock. */
export interface ScenarioControl {
  list(): ScenariosList;
  info(name: string): (ScenarioInfo & { Text: string }) | undefined;
  /** Activates a scenario by name, or validates and registers an uploaded one. */
  activate(selection: { name: string } | { definition: unknown }, listener?: string): ListenerInfo[];
  clock(): ClockInfo;
  moveClock(change: { advanceMs: number } | { set: number } | 'reset'): ClockInfo;
  counters(): CounterInfo[];
  faults(): OneShotFaultInfo[];
  addFault(request: unknown): string;
  removeFault(id: string): boolean;
  clearFaults(): void;
  chaos(): unknown;
  setChaos(triggers: unknown): unknown;
}

export const activateBody = z
  .object({ Name: z.string().min(1).optional(), Scenario: z.record(z.string(), z.unknown()).optional(), Listener: z.string().optional() })
  .refine((b) => (b.Name === undefined) !== (b.Scenario === undefined), { message: 'give exactly one of Name (a known scenario) or Scenario (an inline definition)' });

const duration = z.string().refine((text) => parseDuration(text) !== undefined, { message: 'a duration such as 90s, 24h or 1h30m (below 2^53 milliseconds)' });
export const clockBody = z
  .object({ advance: duration.optional(), set: z.iso.datetime({ offset: true }).optional(), reset: z.literal(true).optional() })
  .strict()
  .refine((b) => [b.advance, b.set, b.reset].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of advance, set or reset' });

export function scenariosRouter(control: ScenarioControl): Router {
  const router = Router();

  router.get('/api/v1/scenarios', (_req, res) => {
    res.json(control.list());
  });

  router.get('/api/v1/scenarios/:name', (req, res) => {
    const info = control.info(req.params.name);
    if (!info) throw notFound(`scenario ${req.params.name}`);
    res.json(info);
  });

  router.put('/api/v1/scenario', (req, res) => {
    const { Name, Scenario, Listener } = parseInput(activateBody, req.body, 'body');
    res.json(control.activate(Name !== undefined ? { name: Name } : { definition: Scenario }, Listener));
  });

  router.get('/api/v1/clock', (_req, res) => {
    res.json(control.clock());
  });

  router.post('/api/v1/clock', (req, res) => {
    const body = parseInput(clockBody, req.body, 'body');
    if (body.advance !== undefined) return res.json(control.moveClock({ advanceMs: parseDuration(body.advance)! }));
    if (body.set !== undefined) return res.json(control.moveClock({ set: Date.parse(body.set) }));
    res.json(control.moveClock('reset'));
  });

  router.get('/api/v1/counters', (_req, res) => {
    res.json({ counters: control.counters() });
  });

  router.get('/api/v1/faults', (_req, res) => {
    res.json({ faults: control.faults() });
  });

  router.post('/api/v1/faults', (req, res) => {
    res.status(201).json({ ID: control.addFault(req.body) });
  });

  router.delete('/api/v1/faults', (_req, res) => {
    control.clearFaults();
    res.type('text/plain').send('ok');
  });

  router.delete('/api/v1/faults/:id', (req, res) => {
    if (!control.removeFault(req.params.id)) throw notFound(`fault ${req.params.id}`);
    res.type('text/plain').send('ok');
  });

  // Mailpit's chaos API: same paths and JSON, mapped onto the fault engine.
  router.get('/api/v1/chaos', (_req, res) => {
    res.json(control.chaos());
  });

  router.put('/api/v1/chaos', (req, res) => {
    res.json(control.setChaos(req.body ?? {}));
  });

  return router;
}

