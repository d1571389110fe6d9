// A local stand-in for API Gateway's HTTP API: turns each HTTP request into a payload format 2.0
// event for the route that API Gateway would pick, invokes the handler, and maps its answer back.
// The local run feeds it the routes of the synthesized template; the API tests go through it so
// they see the same event shape the deployed Lambda gets.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface HttpApiRoute {
  /** API Gateway route key: `GET /v1/event-types`, `ANY /v1/{proxy+}`, `$default`. */
  readonly routeKey: string;
}

export interface HttpApiOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  routes: readonly HttpApiRoute[];
  invoke: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2 | unknown>;
  /** One line per request; off by default. */
  log?: (line: string) => void;
}

export interface HttpApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** API Gateway refuses larger payloads before the integration runs. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const API_ID = 'local';
const ACCOUNT_ID = '000000000000';

const GATEWAY_MESSAGES = {
  notFound: { status: 404, message: 'Not Found' },
  tooLarge: { status: 413, message: 'Request Entity Too Large' },
  internal: { status: 500, message: 'Internal Server Error' },
} as const;

// --- route selection -----------------------------------------------------------------------

interface CompiledRoute {
  readonly routeKey: string;
  /** Undefined for `$default`. */
  readonly method?: string;
  readonly segments: readonly string[];
  readonly greedy: boolean;
  /** API Gateway prefers literal paths, then paths with variables, then greedy ones. */
  readonly rank: number;
  readonly literalCount: number;
}

export function compileRoute(routeKey: string): CompiledRoute {
  if (routeKey === '$default') return { routeKey, segments: [], greedy: true, rank: 3, literalCount: 0 };
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (!match) throw new Error(`not an HTTP API route key: ${JSON.stringify(routeKey)}`);
  const [, method = '', path = ''] = match;
  const segments = path.split('/').slice(1);
  const greedyIndex = segments.findIndex((segment) => /^\{[^}]+\+\}$/.test(segment));
  if (greedyIndex !== -1 && greedyIndex !== segments.length - 1) {
    throw new Error(`route key ${routeKey}: a greedy variable must be the last segment`);
  }
  const greedy = greedyIndex !== -1;
  const variables = segments.filter(isVariable).length;
  return {
    routeKey,
    method,
    segments,
    greedy,
    rank: greedy ? 2 : variables > 0 ? 1 : 0,
    literalCount: segments.length - variables,
  };
}

function isVariable(segment: string): boolean {
  return segment.startsWith('{') && segment.endsWith('}');
}

function variableName(segment: string): string {
  return segment.slice(1, -1).replace(/\+$/, '');
}

/** The route API Gateway would choose, with its path parameters; undefined when none matches. */
export function selectRoute(
  routes: readonly CompiledRoute[],
  method: string,
  rawPath: string,
): { route: CompiledRoute; pathParameters?: Record<string, string> } | undefined {
  const pathSegments = rawPath.split('/').slice(1);
  let best: { route: CompiledRoute; pathParameters: Record<string, string> } | undefined;
  for (const route of routes) {
    if (route.method !== undefined && route.method !== 'ANY' && route.method !== method) continue;
    const pathParameters = route.method === undefined ? {} : matchSegments(route, pathSegments);
    if (!pathParameters) continue;
    if (!best || compareRoutes(route, best.route) < 0) best = { route, pathParameters };
  }
  if (!best) return undefined;
  return Object.keys(best.pathParameters).length > 0 ? best : { route: best.route };
}

function compareRoutes(a: CompiledRoute, b: CompiledRoute): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.literalCount !== b.literalCount) return b.literalCount - a.literalCount;
  // The same path under a named method beats ANY.
  return Number(a.method === 'ANY') - Number(b.method === 'ANY');
}

function matchSegments(route: CompiledRoute, pathSegments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const fixed = route.greedy ? route.segments.length - 1 : route.segments.length;
  if (route.greedy ? pathSegments.length < route.segments.length : pathSegments.length !== fixed) return undefined;
  for (let index = 0; index < fixed; index += 1) {
    const pattern = route.segments[index] ?? '';
    const actual = pathSegments[index] ?? '';
    if (isVariable(pattern)) {
      if (actual === '') return undefined;
      params[variableName(pattern)] = safeDecode(actual);
    } else if (pattern !== actual) return undefined;
  }
  if (route.greedy) {
    const rest = pathSegments.slice(fixed).join('/');
    if (rest === '') return undefined;
    params[variableName(route.segments[fixed] ?? '')] = safeDecode(rest);
  }
  return params;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// --- request -> event ----------------------------------------------------------------------

/** Content types API Gateway passes through as text; every other body arrives base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    ['application/json', 'application/javascript', 'application/xml', 'application/x-www-form-urlencoded'].includes(type) ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

/** Header names lower-cased, repeated headers joined with commas (cookies travel apart). */
function collectHeaders(rawHeaders: readonly string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = rawHeaders[index + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((part) => part.trim()).filter((part) => part !== ''));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { headers, cookies };
}

function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const result: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    result[name] = result[name] === undefined ? value : `${result[name]},${value}`;
  }
  return result;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the format of requestContext.time. */
export function formatRequestTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

interface IncomingRequest {
  method: string;
  target: string;
  httpVersion: string;
  rawHeaders: readonly string[];
  sourceIp: string;
  localPort: number;
  body: Buffer;
}

export function buildEvent(request: IncomingRequest, routeKey: string, pathParameters: Record<string, string> | undefined, now: Date): APIGatewayProxyEventV2 {
  const questionMark = request.target.indexOf('?');
  const rawPath = questionMark === -1 ? request.target : request.target.slice(0, questionMark);
  const rawQueryString = questionMark === -1 ? '' : request.target.slice(questionMark + 1);
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  const requestId = randomUUID();
  // Headers API Gateway adds on its way to the integration.
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${request.sourceIp}` : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${requestId.replace(/-/g, '').slice(0, 24)}`;
  const domainName = (headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
  const query = queryParameters(rawQueryString);
  const hasBody = request.body.length > 0;
  const text = isTextContentType(headers['content-type']);

  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method,
        path: safeDecode(rawPath),
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(pathParameters ? { pathParameters } : {}),
    ...(hasBody ? { body: text ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}

// --- result -> response --------------------------------------------------------------------

interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** Maps a handler's answer like API Gateway does for payload format 2.0. */
export function mapResult(result: unknown): GatewayResponse {
  if (!isStructuredResult(result)) {
    // No statusCode: API Gateway treats the whole answer as a JSON body with status 200.
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body, 'utf8') };
  }
  const statusCode = Number(result.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return gatewayError(GATEWAY_MESSAGES.internal);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const raw = result.body ?? '';
  const body = result.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  return { statusCode, headers, cookies: [...(result.cookies ?? [])], body };
}

function isStructuredResult(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return typeof result === 'object' && result !== null && 'statusCode' in result;
}

function gatewayError({ status, message }: { status: number; message: string }): GatewayResponse {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message }), 'utf8'),
  };
}

// --- server --------------------------------------------------------------------------------

export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const host = options.host ?? '127.0.0.1';
  const routes = options.routes.map((route) => compileRoute(route.routeKey));
  const log = options.log ?? (() => undefined);

  const server = http.createServer((request, response) => {
    const started = Date.now();
    const requestId = randomUUID();
    const send = (answer: GatewayResponse) => {
      if (response.headersSent) return;
      const headers: http.OutgoingHttpHeaders = { ...answer.headers, 'apigw-requestid': requestId, 'content-length': answer.body.length };
      if (answer.cookies.length > 0) headers['set-cookie'] = answer.cookies;
      response.writeHead(answer.statusCode, headers);
      response.end(request.method === 'HEAD' ? undefined : answer.body);
      log(`${request.method} ${request.url} ${answer.statusCode} ${Date.now() - started}ms`);
    };

    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > MAX_PAYLOAD_BYTES) {
      response.shouldKeepAlive = false;
      send(gatewayError(GATEWAY_MESSAGES.tooLarge));
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        refused = true;
        response.shouldKeepAlive = false;
        send(gatewayError(GATEWAY_MESSAGES.tooLarge));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (refused) return;
      const method = (request.method ?? 'GET').toUpperCase();
      const target = request.url ?? '/';
      const rawPath = target.split('?')[0] ?? '/';
      const selected = selectRoute(routes, method, rawPath);
      if (!selected) {
        send(gatewayError(GATEWAY_MESSAGES.notFound));
        return;
      }
      const event = buildEvent(
        {
          method,
          target,
          httpVersion: request.httpVersion,
          rawHeaders: request.rawHeaders,
          sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
          localPort: request.socket.localPort ?? 0,
          body: Buffer.concat(chunks),
        },
        selected.route.routeKey,
        selected.pathParameters,
        new Date(),
      );
      options.invoke(event).then(
        (result) => send(mapResult(result)),
        (error: unknown) => {
          log(`${method} ${target} handler failed: ${error instanceof Error ? error.message : String(error)}`);
          send(gatewayError(GATEWAY_MESSAGES.internal));
        },
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
