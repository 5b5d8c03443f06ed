import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BrowserServer, chromium } from 'playwright-core';
import { BROWSER_ENDPOINT_ENV, CHROMIUM_LAUNCH } from '../ui/helpers/browser.js';

/**
 * One chromium for the whole run, launched on first use (vitest globalSetup). Starting chromium
 * costs ~1 s of CPU per launch and the browser test files each launched their own; now each file
 * connects to this one (`chromium.connect`) and gets its own contexts, which isolate cookies,
 * storage and caches as a fresh browser did. Launched lazily, through a loopback endpoint the
 * test processes ask for its WebSocket address, so a run without browser tests starts none.
 */
export default async function setup(): Promise<() => Promise<void>> {
  let launched: Promise<BrowserServer> | undefined;
  const endpoint = createServer((_request, response) => {
    launched ??= chromium.launchServer(CHROMIUM_LAUNCH);
    launched.then(
      (server) => response.end(server.wsEndpoint()),
      (error: unknown) => {
        launched = undefined;
        response.writeHead(500).end(error instanceof Error ? error.stack : String(error));
      },
    );
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  process.env[BROWSER_ENDPOINT_ENV] = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/`;
  return async () => {
    endpoint.close();
    await (await launched?.catch(() => undefined))?.close();
  };
}
