// A real webhook receiver on 127.0.0.1 for the integration and end-to-end tests. It verifies
// X-GeoRedir-Signature exactly as the guide's Express example does (parse the JSON body,
// re-serialise it with JSON.stringify, HMAC it with the secret, compare with
// crypto.timingSafeEqual), answers with the statuses it is told to and records every request.
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
  /** `(not JSON)` as the event when the body did not parse. */
  readonly body: { event: string; timestamp: string; data: Record<string, unknown> };
  /** The guide's check: false for a wrong signature (or one of the wrong length). */
  readonly verified: boolean;
  /** The status it was answered with. */
  readonly status: number;
  /** Date.now() when the request had arrived. */
  readonly at: number;
}

export interface ReceiverOptions {
  /** Default `/webhooks/georedir`; other paths get 404. */
  readonly path?: string;
  /** Also settable later, e.g. once the API has issued it. */
  readonly secret?: string;
}

export interface Receiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  secret: string;
  /** Status for the n-th request (0-based); default 200. */
  statusFor: (index: number) => number;
  /** Sets the status (and body) the next requests get. */
  respondWith(status: number, body?: string, headers?: Record<string, string>): void;
  /** Holds each answer back this long (to play a slow or hanging endpoint). */
  delayAnswers(ms: number): void;
  /** The first request matching, as soon as it arrives. */
  waitFor(predicate: (webhook: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  /** The first `count` requests, as soon as they have arrived. */
  waitForCount(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 5000;

export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const path = options.path ?? '/webhooks/georedir';
  const received: ReceivedWebhook[] = [];
  const arrivals = new Set<() => void>();
  let responseBody = JSON.stringify({ received: true });
  let responseHeaders: Record<string, string> = {};
  let delayMs = 0;

  /** Resolves when `check` returns a value; re-checked on every arrival, not on a timer. */
  const until = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        const found = check();
        if (found === undefined) return false;
        clearTimeout(timer);
        arrivals.delete(wake);
        resolve(found);
        return true;
      };
      const wake = (): void => void attempt();
      const timer = setTimeout(() => {
        arrivals.delete(wake);
        reject(new Error(`${what} within ${timeoutMs} ms at ${receiver.url}; got ${received.length}: ${JSON.stringify(received.map((hook) => hook.body))}`));
      }, timeoutMs);
      if (!attempt()) arrivals.add(wake);
    });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const status = req.url === path ? receiver.statusFor(received.length) : 404;
      let body: ReceivedWebhook['body'] | undefined;
      try {
        body = JSON.parse(rawBody) as ReceivedWebhook['body'];
      } catch {
        body = undefined;
      }
      let verified = false;
      try {
        verified = body !== undefined && verifySignature(JSON.stringify(body), String(req.headers['x-georedir-signature'] ?? ''), receiver.secret);
      } catch {
        verified = false; // timingSafeEqual throws on a length mismatch
      }
      body ??= { event: '(not JSON)', timestamp: '', data: {} };
      received.push({ path: req.url ?? '', headers: req.headers, rawBody, body, verified, status, at: Date.now() });
      const answer = () => {
        res.writeHead(status, { 'content-type': 'application/json', ...responseHeaders });
        res.end(responseBody);
      };
      if (delayMs > 0) setTimeout(answer, delayMs).unref();
      else answer();
      for (const wake of [...arrivals]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    secret: options.secret ?? '',
    statusFor: () => 200,
    respondWith(nextStatus, nextBody = JSON.stringify({ received: nextStatus < 300 }), headers = {}) {
      receiver.statusFor = () => nextStatus;
      responseBody = nextBody;
      responseHeaders = headers;
    },
    delayAnswers(ms) {
      delayMs = ms;
    },
    waitFor: (predicate, timeoutMs = DEFAULT_WAIT_MS) => until(() => received.find(predicate), timeoutMs, 'no matching webhook'),
    waitForCount: (count, timeoutMs = DEFAULT_WAIT_MS) =>
      until(() => (received.length >= count ? received.slice(0, count) : undefined), timeoutMs, `fewer than ${count} webhooks`),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return receiver;
}
