/**
 * Just enough of Cypress's `cy` and `Cypress` globals to run cypress-mailpit's commands outside
 * a browser: `cy.request` is a real HTTP request (fetch over loopback) with Cypress's defaults
 * (JSON bodies, `qs` appended, redirects followed, a non-2xx status fails the command), chains
 * run in order, `cy.wait` really waits. Every request is recorded, so a test can assert the exact
 * calls a command makes. Cypress itself is not run.
 */
export interface RecordedRequest {
  method: string;
  url: string;
  body?: unknown;
  status: number;
}

export interface CypressResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** A Cypress chainable over a promise: `.then(fn)` yields fn's result, or the subject when fn returns undefined. */
export class Chain<T = unknown> {
  constructor(readonly promise: Promise<T>) {}

  then<R>(fn: (value: T) => R | Chain<R>): Chain<R | T> {
    return new Chain(
      this.promise.then(async (value) => {
        const result = fn(value);
        if (result instanceof Chain) return (await result.promise) as R;
        return result === undefined ? value : result;
      }),
    );
  }
}

interface RequestOptions {
  method?: string;
  url: string;
  qs?: Record<string, string | number>;
  body?: unknown;
  auth?: { user: string; pass: string };
  failOnStatusCode?: boolean;
}

export function cypressStandIn(options: { mailpitUrl: string; env?: Record<string, string> }) {
  const requests: RecordedRequest[] = [];
  const env = options.env ?? {};

  async function request(opts: RequestOptions): Promise<CypressResponse> {
    const url = new URL(opts.url);
    for (const [key, value] of Object.entries(opts.qs ?? {})) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = {};
    if (opts.auth) headers.authorization = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.pass}`).toString('base64')}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const method = opts.method ?? 'GET';
    // `url.href` would turn `//view` into `/view`; Cypress sends the path as the command built it.
    const href = opts.url.split('?')[0] + url.search;
    const response = await fetch(href, { method, headers, body, redirect: 'follow' });
    const text = await response.text();
    requests.push({ method, url: href, body: opts.body, status: response.status });
    const type = response.headers.get('content-type') ?? '';
    const parsed: unknown = type.includes('json') && text ? JSON.parse(text) : text;
    if ((opts.failOnStatusCode ?? true) && (response.status < 200 || response.status >= 300)) {
      throw new Error(`cy.request() failed: ${method} ${href} answered ${response.status}: ${text}`);
    }
    return { status: response.status, body: parsed, headers: Object.fromEntries(response.headers) };
  }

  const cy = {
    request: (opts: RequestOptions) => new Chain(request(opts)),
    wrap: <T>(value: T) => new Chain(Promise.resolve(value)),
    wait: (ms: number) => new Chain(new Promise<void>((resolve) => setTimeout(resolve, ms))),
    env: (names: string[]) => new Chain(Promise.resolve(Object.fromEntries(names.map((name) => [name, env[name]])))),
  };
  const Cypress = {
    expose: (name: string) => (name === 'MAILPIT_URL' ? options.mailpitUrl : undefined),
    config: (name: string) => (name === 'defaultCommandTimeout' ? 4_000 : undefined),
  };
  return { cy, Cypress, requests };
}
