// The chaos run's webhook receivers: real HTTP servers on 127.0.0.1 that verify each signature
// as the guide's Node snippet does, record every request, and misbehave per scenario.
import * as crypto from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Scenario =
  /** Always 200. */
  | 'healthy'
  /** 503 during its window, 200 otherwise. */
  | 'flaky-5xx'
  /** Never answers during its window (the sender's timeout ends the attempt), 200 otherwise. */
  | 'hanging'
  /** Every 4th first attempt: 200 headers and half a body, then a TCP reset. 200 otherwise. */
  | 'reset'
  /** 200 until its window opens, then 410 Gone for good. */
  | 'gone-410'
  /** Every 4th first attempt: 429 with Retry-After; 200 otherwise. */
  | 'retry-after-429'
  /** 200, written `answerDelayMs` after the request arrived (the tenants run's slow endpoint). */
  | 'slow'
  /** 500 to every first attempt, 200 to every later one (the tenants run's retry phase). */
  | 'fail-first';

/** How the request ended, as the receiver saw it. */
export type Answer = 'ok' | 'status' | 'hung' | 'reset';

export interface ReceivedRequest {
  readonly deliveryId: string;
  readonly attempt: number;
  /** X-GeoRedir-Timestamp, unix seconds. */
  readonly headerTimestamp: number;
  readonly receivedAt: number;
  /** When the answer was written, the socket reset, or the client gave up (hung). */
  endedAt: number;
  readonly status: number;
  answer: Answer;
  readonly verified: boolean;
  readonly retryAfterSeconds?: number;
}

export interface ReceiverWindow {
  /** Epoch ms. */
  readonly from: number;
  readonly until: number;
}

export interface ChaosReceiver {
  readonly scenario: Scenario;
  readonly url: string;
  readonly requests: ReceivedRequest[];
  secret: string;
  /** When the misbehaviour applies (flaky-5xx, hanging: the window; gone-410: from `from` on). */
  window?: ReceiverWindow;
  /** slow: how long each answer takes. */
  answerDelayMs: number;
  close(): Promise<void>;
}

export const RETRY_AFTER_SECONDS = 3;

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

export async function startChaosReceiver(scenario: Scenario, options: { answerDelayMs?: number } = {}): Promise<ChaosReceiver> {
  let firstAttempts = 0;
  const requests: ReceivedRequest[] = [];
  const inWindow = (now: number) => receiver.window !== undefined && now >= receiver.window.from && now < receiver.window.until;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAt = Date.now();
      const raw = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      try {
        verified = verifySignature(JSON.stringify(JSON.parse(raw)), String(req.headers['x-georedir-signature'] ?? ''), receiver.secret);
      } catch {
        verified = false;
      }
      const attempt = Number(req.headers['x-georedir-attempt'] ?? 0);
      if (attempt === 1) firstAttempts += 1;
      const everyFourth = attempt === 1 && firstAttempts % 4 === 0;

      let status = 200;
      let mode: 'answer' | 'hang' | 'reset' = 'answer';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (scenario === 'flaky-5xx' && inWindow(receivedAt)) status = 503;
      else if (scenario === 'hanging' && inWindow(receivedAt)) mode = 'hang';
      else if (scenario === 'reset' && everyFourth) mode = 'reset';
      else if (scenario === 'gone-410' && receiver.window && receivedAt >= receiver.window.from) status = 410;
      else if (scenario === 'retry-after-429' && everyFourth) {
        status = 429;
        headers['retry-after'] = String(RETRY_AFTER_SECONDS);
      } else if (scenario === 'fail-first' && attempt === 1) status = 500;
      const record: ReceivedRequest = {
        deliveryId: String(req.headers['x-georedir-delivery'] ?? ''),
        attempt,
        headerTimestamp: Number(req.headers['x-georedir-timestamp'] ?? 0),
        receivedAt,
        endedAt: receivedAt,
        status,
        answer: 'hung',
        verified,
        ...(status === 429 ? { retryAfterSeconds: RETRY_AFTER_SECONDS } : {}),
      };
      requests.push(record);

      if (mode === 'hang') {
        // Hold the request until the sender gives up and closes the connection.
        res.on('close', () => (record.endedAt = Date.now()));
        return;
      }
      if (mode === 'reset') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '64' });
        res.write('{"received":');
        setImmediate(() => {
          record.answer = 'reset';
          record.endedAt = Date.now();
          req.socket.resetAndDestroy();
        });
        return;
      }
      const answer = () => {
        const body = JSON.stringify({ received: status < 300 });
        res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
        // "Answered" only once the whole response left: a 2xx the sender never read is not one.
        res.end(body, () => {
          record.answer = status >= 200 && status < 300 ? 'ok' : 'status';
          record.endedAt = Date.now();
        });
      };
      if (scenario !== 'slow') {
        answer();
        return;
      }
      // A sender that gives up first (its timeout) leaves the record 'hung', ended when it hung up.
      const timer = setTimeout(answer, receiver.answerDelayMs);
      res.on('close', () => {
        if (res.writableFinished) return;
        clearTimeout(timer);
        record.endedAt = Date.now();
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const receiver: ChaosReceiver = {
    scenario,
    url: `http://127.0.0.1:${port}/webhooks/georedir`,
    requests,
    secret: '',
    answerDelayMs: options.answerDelayMs ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
