import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local webhook receiver on port 0; `respond` decides each answer (by the 0-based request number). */
export async function httpReceiver(respond: (n: number, req: IncomingMessage, res: ServerResponse) => void = (_n, _req, res) => res.end('ok')) {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<() => void> = [];
  const files = new Map<string, string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET' && files.has(req.url ?? '')) return void res.end(files.get(req.url ?? ''));
      const n = requests.length;
      requests.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      for (const wake of waiters.splice(0)) wake();
      respond(n, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    /** Serves `text` to GET `path` (e.g. a signing certificate). */
    serve(path: string, text: string): string {
      files.set(path, text);
      return `${base}${path}`;
    },
    async got(count: number): Promise<ReceivedRequest[]> {
      while (requests.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return requests;
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
