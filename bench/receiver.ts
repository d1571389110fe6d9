// A bench receiver on 127.0.0.1: answers every POST after a fixed latency, with 500 for the first
// `failAttempts` attempts of a delivery (X-GeoRedir-Attempt) and 200 after that. It keeps counters
// and body sizes only, never the bodies; `onBody` lets a caller see each body as it arrives.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchReceiver {
  readonly url: string;
  readonly latencyMs: number;
  /** Requests answered, by status. */
  readonly answered: Map<number, number>;
  /** Bytes of every request body received, summed. */
  bodyBytes(): number;
  /** Called with each request's parsed body as it arrives (before the answer). */
  onBody?: (body: string) => void;
  /** Requests whose answer is still being held back. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function startBenchReceiver(options: { latencyMs: number; failAttempts?: number }): Promise<BenchReceiver> {
  const answered = new Map<number, number>();
  let inFlight = 0;
  let bodyBytes = 0;
  const receiver: { onBody?: (body: string) => void } = {};
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodyBytes += body.length;
      receiver.onBody?.(body.toString('utf8'));
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
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/webhooks/georedir`,
    latencyMs: options.latencyMs,
    answered,
    inFlight: () => inFlight,
    bodyBytes: () => bodyBytes,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  });
}
