// A real webhook receiver on 127.0.0.1 that verifies X-GeoRedir-Signature exactly as the
// guide's Express example does: parse the JSON body, re-serialise it with JSON.stringify, HMAC
// it with the secret and compare with crypto.timingSafeEqual.
import * as crypto from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// --- the guide's Node snippet, verbatim ---
function verifySignature(payload: string, signature: string, secret: string) {
  const expected = crypto
    .createHmac('sha256', secret)
    .update(payload, 'utf8')
    .digest('hex');
  return crypto.timingSafeEqual(
    Buffer.from(signature),
    Buffer.from(expected)
  );
}
// --- end of the guide's snippet ---

export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: { event: string; timestamp: string; data: Record<string, unknown> };
  /** The guide's check: false for a wrong signature (or one of the wrong length). */
  readonly verified: boolean;
  readonly receivedAt: number;
}

export interface Receiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Sets the status the next requests get (default 200). */
  respondWith(status: number, body?: string, headers?: Record<string, string>): void;
  /** Holds each answer back this long (to play a slow or hanging endpoint). */
  delayAnswers(ms: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startReceiver(secretFor: () => string, path = '/webhooks/georedir'): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  let status = 200;
  let responseBody = JSON.stringify({ received: true });
  let responseHeaders: Record<string, string> = {};
  let delayMs = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(rawBody);
      const signature = String(req.headers['x-georedir-signature'] ?? '');
      let verified = false;
      try {
        verified = verifySignature(JSON.stringify(body), signature, secretFor());
      } catch {
        verified = false; // timingSafeEqual throws on a length mismatch
      }
      received.push({ path: req.url ?? '', headers: req.headers, rawBody, body, verified, receivedAt: Date.now() });
      const answer = () => {
        res.writeHead(status, { 'content-type': 'application/json', ...responseHeaders });
        res.end(responseBody);
      };
      if (delayMs > 0) setTimeout(answer, delayMs).unref();
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    respondWith(nextStatus, nextBody = JSON.stringify({ received: nextStatus < 300 }), headers = {}) {
      status = nextStatus;
      responseBody = nextBody;
      responseHeaders = headers;
    },
    delayAnswers(ms) {
      delayMs = ms;
    },
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} of ${count} webhooks in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
