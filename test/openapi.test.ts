import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedRoutes } from '../server/http/openapi.js';
import { getJson, startSim, type TestSim } from './helpers/sim.js';

// GET /api/v1/swagger.json is generated from the zod schemas; this keeps it in step with the
// routes Express really has, both ways.
let sim: TestSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.stop());

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** `METHOD /path` of every route in an Express 5 app, nested routers included. */
function expressRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) for (const method of Object.keys(layer.route.methods)) out.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(out)].sort();
}

describe('GET /api/v1/swagger.json', () => {
  it('documents exactly the routes the app registers', async () => {
    const { createApp } = await import('../server/http/app.js');
    const harness = sim.harness;
    const app = createApp({
      mailbox: harness.mailbox,
      control: harness.control,
      version: 'test',
      ready: () => true,
      reset: async () => {},
      report: () => {},
      send: { send: async () => ({ id: '' }) },
      // Every optional router too, so that a route added behind a flag cannot go undocumented.
      authChecks: harness.authChecks,
      bounces: { simulate: async () => 'not-found', complaint: () => 'not-found', providerEvents: () => [], providerKeys: () => null, snsCertificate: () => null, relayHistory: () => [] },
      inbound: { simulator: {} as never, pop3: () => harness.pop3.info() },
      integrations: { bus: harness.bus, waits: harness.integrations.waits, metrics: () => ({ contentType: 'text/plain', text: '' }) },
    });
    const registered = expressRoutes(app);
    expect(registered.length).toBeGreaterThan(30);
    expect(documentedRoutes().sort()).toEqual(registered);
  });

  it('is OpenAPI 3 with the request schemas zod validates with', async () => {
    const { status, body } = await getJson(`${sim.url}/api/v1/swagger.json`);
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    const send = body.paths['/api/v1/send'].post;
    const schema = send.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(['From']);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['From', 'To', 'Cc', 'Bcc', 'ReplyTo', 'Subject', 'Text', 'HTML', 'Attachments', 'Headers', 'Tags']));
    expect(body.paths['/api/v1/message/{id}/part/{partId}'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'partId']);
    expect(body.paths['/api/v1/sessions'].get.parameters.map((p: { name: string }) => p.name)).toContain('outcome');
  });
});
