// A bench receiver on 127.0.0.1: answers every POST after a fixed latency, with 500 for the first
// `failAttempts` attempts of a delivery (X-GeoRedir-Attempt) and 200 after that. It keeps counters
// only, never the bodies, so it adds next to nothing to the measured memory.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchReceiver {
  readonly url: string;
  readonly latencyMs: number;
  /** Requests answered, by status. */
  readonly answered: Map<number, number>;
  /** Requests whose answer is still being held back. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function startBenchReceiver(options: { latencyMs: number; failAttempts?: number }): Promise<BenchReceiver> {
  const answered = new Map<number, number>();
  let inFlight = 0;
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    req.resume();
    req.on('end', () => {
      const attempt = Number(req.headers['x-georedir-attempt'] ?? '1');
      const status = attempt <= (options.failAttempts ?? 0) ? 500 : 200;
      setTimeout(() => {
        inFlight -= 1;
        answered.set(status, (answered.get(status) ?? 0) + 1);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? '{"received":true}' : '{"error":"bench failure"}');
      }, options.latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/georedir`,
    latencyMs: options.latencyMs,
    answered,
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
