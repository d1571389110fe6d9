// A webhook receiver on 127.0.0.1 for the end-to-end tests. It checks X-GeoRedir-Signature the
// way the guide's Node snippet does (parse, JSON.stringify, hex HMAC with the secret string) and
// answers with the statuses it is told to, recording every request.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  readonly at: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: { event: string; timestamp: string; data: Record<string, unknown> };
  /** The guide's check passed with the receiver's secret. */
  readonly signatureValid: boolean;
  readonly status: number;
}

export interface Receiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Set after the endpoint is registered (the API issues the secret). */
  secret: string;
  /** Status for the n-th request (0-based); default 200. */
  statusFor: (index: number) => number;
  waitFor(predicate: (webhook: ReceivedWebhook) => boolean, timeoutMs: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

export function guideSignatureValid(rawBody: string, signature: string | undefined, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(JSON.stringify(JSON.parse(rawBody)), 'utf8').digest('hex');
  const given = Buffer.from(signature ?? '');
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
}

export async function startReceiver(path = '/webhooks/georedir'): Promise<Receiver> {
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    received: [],
    secret: '',
    statusFor: () => 200,
    async waitFor(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = receiver.received.find(predicate);
        if (found) return found;
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new Error(`no matching webhook within ${timeoutMs} ms at ${receiver.url}; got: ${JSON.stringify(receiver.received.map((hook) => hook.body))}`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, remaining);
          function done() {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const status = request.url === path ? receiver.statusFor(receiver.received.length) : 404;
      let body: ReceivedWebhook['body'];
      let signatureValid = false;
      try {
        body = JSON.parse(rawBody) as ReceivedWebhook['body'];
        signatureValid = guideSignatureValid(rawBody, request.headers['x-georedir-signature'] as string | undefined, receiver.secret);
      } catch {
        body = { event: '(not JSON)', timestamp: '', data: {} };
      }
      receiver.received.push({ at: Date.now(), headers: request.headers, rawBody, body, signatureValid, status });
      response.writeHead(status, { 'content-type': 'application/json' }).end('{"received":true}');
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}
