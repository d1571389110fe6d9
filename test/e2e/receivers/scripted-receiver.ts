// A receiver on 127.0.0.1 whose answer to each request is scripted by the test: any status, headers
// and body, a delay, or holding the request until the test lets go (or the sender gives up). It
// records every request as it arrives and how it ended, and checks X-GeoRedir-Signature as the
// guide's Node snippet does.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Answer only after this long (a sender with a shorter deadline times out). */
  readonly delayMs?: number;
}

/** `hold`: keep the request open until `release()` or until the sender closes the connection. */
export type Script = (index: number, request: http.IncomingMessage) => ScriptedAnswer | 'hold';

export interface ReceivedRequest {
  /** Date.now() when the body was complete. */
  readonly at: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: { event: string; timestamp: string; data: Record<string, unknown> };
  readonly signatureValid: boolean;
  /** Status sent, or undefined while held / when the sender hung up first. */
  status?: number;
  /** Date.now() when the sender closed the connection before an answer. */
  abandonedAt?: number;
}

export interface ScriptedReceiver {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  secret: string;
  script: Script;
  /** Answers every held request with this. */
  release(answer: ScriptedAnswer): void;
  waitForCount(count: number, timeoutMs: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export function guideSignatureValid(rawBody: string, signature: string | undefined, secret: string): boolean {
  // The guide's Node receiver: parse (express.json), re-serialise, hex HMAC with the secret string.
  let reserialised: string;
  try {
    reserialised = JSON.stringify(JSON.parse(rawBody));
  } catch {
    return false;
  }
  const expected = Buffer.from(createHmac('sha256', secret).update(reserialised, 'utf8').digest('hex'));
  const given = Buffer.from(signature ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startScriptedReceiver(script: Script = () => ({ status: 200 }), path = '/webhooks/georedir'): Promise<ScriptedReceiver> {
  const held: Array<(answer: ScriptedAnswer) => void> = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: ReceivedRequest['body'];
      try {
        body = JSON.parse(rawBody) as ReceivedRequest['body'];
      } catch {
        body = { event: '(not JSON)', timestamp: '', data: {} };
      }
      const record: ReceivedRequest = {
        at: Date.now(),
        headers: request.headers,
        rawBody,
        body,
        signatureValid: guideSignatureValid(rawBody, request.headers['x-georedir-signature'] as string | undefined, receiver.secret),
      };
      const index = receiver.received.length;
      receiver.received.push(record);
      const answer = request.url === path ? receiver.script(index, request) : { status: 404 };
      let answered = false;
      const send = (reply: ScriptedAnswer) => {
        if (answered || response.destroyed) return;
        answered = true;
        record.status = reply.status;
        response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body ?? '{"received":true}');
      };
      response.on('close', () => {
        if (!answered) record.abandonedAt = Date.now();
      });
      if (answer === 'hold') held.push(send);
      else if (answer.delayMs) setTimeout(() => send(answer), answer.delayMs).unref();
      else send(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const receiver: ScriptedReceiver = {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    received: [],
    secret: '',
    script,
    release(answer) {
      for (const send of held.splice(0)) send(answer);
    },
    async waitForCount(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.received.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`${receiver.url} got ${receiver.received.length} of ${count} requests within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return receiver.received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return receiver;
}
