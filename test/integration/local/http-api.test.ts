// local/http-api.ts over real HTTP: the payload format 2.0 event it builds, how it picks routes,
// and how it maps answers back, as API Gateway's HTTP API does.
import { request as httpRequest } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type HttpApi, MAX_PAYLOAD_BYTES, startHttpApi } from '../../../local/http-api';

let api: HttpApi;
let events: APIGatewayProxyEventV2[];
let answer: (event: APIGatewayProxyEventV2) => Promise<unknown>;

beforeAll(async () => {
  api = await startHttpApi({
    port: 0,
    routes: [
      { routeKey: 'GET /v1/event-types' },
      { routeKey: 'GET /pets/dog/{id}' },
      { routeKey: 'ANY /v1/{proxy+}' },
    ],
    invoke: async (event) => {
      events.push(event);
      return answer(event);
    },
  });
});
afterAll(() => api.close());
beforeEach(() => {
  events = [];
  answer = async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' });
});

/** Raw node:http so repeated headers and exact bytes go out as written. */
function send(method: string, path: string, headers: [string, string][] = [], body?: Buffer | string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    // A raw header array (to repeat a header) gets no automatic Host header.
    const flat = [['Host', new URL(api.url).host], ...headers].flat();
    const req = httpRequest(`${api.url}${path}`, { method, headers: flat as unknown as Record<string, string> }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

it('builds a payload format 2.0 event for a greedy route', async () => {
  const response = await send(
    'POST',
    '/v1/endpoints/ep_1/test?limit=5&status=failed&tag=a&tag=b&q=a%20b',
    [
      ['Content-Type', 'application/json'],
      ['X-Custom', 'one'],
      ['X-Custom', 'two'],
      ['Cookie', 'a=1; b=2'],
      ['User-Agent', 'curl/8.0'],
    ],
    '{"event":"click"}',
  );
  expect(response.status).toBe(200);
  expect(response.headers['apigw-requestid']).toEqual(expect.any(String));
  const [event] = events;
  expect(event).toMatchObject({
    version: '2.0',
    routeKey: 'ANY /v1/{proxy+}',
    rawPath: '/v1/endpoints/ep_1/test',
    rawQueryString: 'limit=5&status=failed&tag=a&tag=b&q=a%20b',
    cookies: ['a=1', 'b=2'],
    queryStringParameters: { limit: '5', status: 'failed', tag: 'a,b', q: 'a b' },
    pathParameters: { proxy: 'endpoints/ep_1/test' },
    body: '{"event":"click"}',
    isBase64Encoded: false,
    requestContext: {
      routeKey: 'ANY /v1/{proxy+}',
      stage: '$default',
      domainName: '127.0.0.1',
      http: { method: 'POST', path: '/v1/endpoints/ep_1/test', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8.0' },
    },
  });
  expect(event!.headers['x-custom']).toBe('one,two');
  expect(event!.headers['content-type']).toBe('application/json');
  expect(event!.headers).not.toHaveProperty('cookie');
  expect(event!.headers['x-forwarded-for']).toBe('127.0.0.1');
  expect(event!.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(event!.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  expect(Math.abs(event!.requestContext.timeEpoch - Date.now())).toBeLessThan(5000);
});

it('prefers an exact route, then a route with variables, and leaves out what is not there', async () => {
  await send('GET', '/v1/event-types');
  await send('GET', '/pets/dog/7');
  expect(events.map((event) => event.routeKey)).toEqual(['GET /v1/event-types', 'GET /pets/dog/{id}']);
  expect(events[0]).not.toHaveProperty('pathParameters');
  expect(events[0]).not.toHaveProperty('queryStringParameters');
  expect(events[0]).not.toHaveProperty('body');
  expect(events[0]).not.toHaveProperty('cookies');
  expect(events[0]!.isBase64Encoded).toBe(false);
  expect(events[1]!.pathParameters).toEqual({ id: '7' });
});

it('answers 404 {"message":"Not Found"} when no route matches, without invoking', async () => {
  for (const [method, path] of [
    ['GET', '/health'],
    ['DELETE', '/pets/dog/7'],
    ['GET', '/v1'],
  ] as const) {
    const response = await send(method, path);
    expect({ method, path, status: response.status, body: JSON.parse(response.body.toString()) }).toEqual({
      method,
      path,
      status: 404,
      body: { message: 'Not Found' },
    });
  }
  expect(events).toHaveLength(0);
});

it('base64-encodes binary bodies and passes text ones as text', async () => {
  const bytes = Buffer.from([0, 255, 1, 254]);
  await send('PUT', '/v1/blob', [['Content-Type', 'application/octet-stream']], bytes);
  await send('PUT', '/v1/blob', [['Content-Type', 'application/problem+json; charset=utf-8']], '{"a":1}');
  expect(events[0]).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  expect(events[1]).toMatchObject({ isBase64Encoded: false, body: '{"a":1}' });
});

it('refuses a payload over 10 MB with 413 before invoking', async () => {
  const response = await send('POST', '/v1/big', [['Content-Type', 'application/json']], Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20));
  expect(response.status).toBe(413);
  expect(JSON.parse(response.body.toString())).toEqual({ message: 'Request Entity Too Large' });
  expect(events).toHaveLength(0);
});

it('maps status, headers, cookies and base64 bodies back', async () => {
  answer = async () => ({
    statusCode: 201,
    headers: { 'X-Answer': 'yes', 'content-type': 'application/octet-stream' },
    cookies: ['session=1; HttpOnly', 'theme=dark'],
    body: Buffer.from([1, 2, 3]).toString('base64'),
    isBase64Encoded: true,
  });
  const response = await send('GET', '/v1/anything');
  expect(response.status).toBe(201);
  expect(response.headers['x-answer']).toBe('yes');
  expect(response.headers['set-cookie']).toEqual(['session=1; HttpOnly', 'theme=dark']);
  expect([...response.body]).toEqual([1, 2, 3]);
});

it('treats an answer without statusCode as a 200 JSON body, and a failing handler as API Gateway 500', async () => {
  answer = async () => ({ hello: 'world' });
  const plain = await send('GET', '/v1/plain');
  expect(plain.status).toBe(200);
  expect(plain.headers['content-type']).toBe('application/json');
  expect(JSON.parse(plain.body.toString())).toEqual({ hello: 'world' });

  answer = async () => {
    throw new Error('secret internals');
  };
  const failed = await send('GET', '/v1/failing');
  expect(failed.status).toBe(500);
  expect(failed.body.toString()).toBe('{"message":"Internal Server Error"}');
});
