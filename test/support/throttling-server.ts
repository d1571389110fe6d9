// A stand-in AWS endpoint that throttles the first `throttles` requests, then answers `okBody`:
// for counting the attempts an SDK client's retry strategy makes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ThrottlingServer {
  readonly url: string;
  /** Requests received since the last `reset`. */
  readonly requests: number;
  /** Throttles the next `throttles` requests and counts from 0 again. */
  reset(throttles: number): void;
  close(): Promise<void>;
}

export async function startThrottlingServer(answers: { readonly throttle: { readonly headers: Record<string, string>; readonly body: unknown }; readonly okBody: string }): Promise<ThrottlingServer> {
  let throttles = 0;
  let requests = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      if (requests <= throttles) {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', ...answers.throttle.headers });
        response.end(JSON.stringify(answers.throttle.body));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(answers.okBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    reset(next) {
      throttles = next;
      requests = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
