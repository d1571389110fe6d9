// The management API as a function from an API Gateway HTTP API event (payload format 2.0) to
// its answer: route, authenticate, limit (request-limits.ts), check the plan, validate, run the
// route (which writes the audit line of a change, audit.ts), map errors, add HSTS. The
// Lambda handler builds it once per cold start; tests build it with their own dependencies.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from '../shared/zod';
import type { ManagementStore } from '../adapters/management-store';
import type { HttpSender, RetryScheduler } from '../delivery/ports';
import type { HostLookup } from '../domain/url-policy';
import type { Log } from '../shared/logger';
import { createAudit } from './audit';
import { authenticate } from './auth';
import type { ApiConfig } from './config';
import { type ApiResponse, badRequest, type ErrorDetail, errorResponse, json, noContent, payloadTooLarge, RequestValidationError } from './errors';
import { readIdempotencyKey, requestFingerprint, runIdempotent } from './idempotency';
import { buildOpenApiDocument, withServer } from './openapi';
import type { PortalAssets } from './portal-assets';
import { DEFAULT_FRAME_ANCESTORS, STRICT_TRANSPORT_SECURITY } from './portal-headers';
import { type RequestLimitSettings, requestLimitsFromEnv } from './request-limit-settings';
import { createRequestLimiter } from './request-limits';
import { resolveRoute, type Route } from './router';
import { adminRoutes } from './routes/admin';
import { deliveryRoutes } from './routes/deliveries';
import { endpointRoutes } from './routes/endpoints';
import { eventTypeRoutes } from './routes/event-types';
import { portalRoutes } from './routes/portal';
import { statsRoutes } from './routes/stats';
import { systemRoutes } from './routes/system';
import { DeliveryLogService } from './services/deliveries';
import { EndpointService, webhooksNotEnabled } from './services/endpoints';
import { FilterPreviewService } from './services/filter-preview';
import { StatsService } from './services/stats';
import { TestSendService } from './services/test-sends';

/** Management requests are small JSON documents; API Gateway's own 10 MB cap is far above this. */
export const MAX_BODY_BYTES = 16 * 1024;

export interface ApiDependencies {
  readonly config: Omit<ApiConfig, 'tableName' | 'retryQueueUrl' | 'scheduleGroupName'>;
  readonly store: ManagementStore;
  readonly sender: HttpSender;
  /** Redeliveries go on the retry queue; a deleted endpoint's waiting retries are cancelled. */
  readonly retries: Pick<RetryScheduler, 'sendNow' | 'cancel'>;
  readonly userAgent: string;
  readonly log: Log;
  readonly now?: () => Date;
  /** Replaces DNS in endpoint URL checks (tests). */
  readonly lookup?: HostLookup;
  /** The portal's built files; without them /portal answers 404 (the API run from source). */
  readonly portalAssets?: PortalAssets;
  /** Limits per credential and per account; default: the function's environment (request-limit-settings.ts), read once here. */
  readonly requestLimits?: RequestLimitSettings;
}

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export function buildRoutes(deps: ApiDependencies): Route[] {
  const now = deps.now ?? (() => new Date());
  const { config, store, log } = deps;
  const endpoints = new EndpointService({
    store,
    retries: deps.retries,
    allowPrivateEndpoints: config.allowPrivateEndpoints,
    secretRotationGraceHours: config.secretRotationGraceHours,
    retrySchedule: config.retrySchedule,
    now,
    log,
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
  });
  const testSends = new TestSendService({ store, sender: deps.sender, userAgent: deps.userAgent, testSendsPerMinute: config.testSendsPerMinute, now });
  const deliveries = new DeliveryLogService({ store, retries: deps.retries, now, log });
  const filterPreviews = new FilterPreviewService({ store });
  const stats = new StatsService({ store, endpoints, now });
  const audit = createAudit(log);

  let document: Record<string, unknown> | undefined;
  const routes: Route[] = [
    ...systemRoutes((baseUrl) => withServer((document ??= buildOpenApiDocument(routes)), baseUrl)),
    ...eventTypeRoutes(),
    ...endpointRoutes({ endpoints, testSends, filterPreviews, audit }),
    ...deliveryRoutes({ deliveries, audit }),
    ...statsRoutes({ stats }),
    ...adminRoutes({ store, now, audit }),
    ...portalRoutes({ assets: deps.portalAssets, frameAncestors: config.portalFrameAncestors ?? DEFAULT_FRAME_ANCESTORS }),
  ];
  return routes;
}

export function createManagementApi(deps: ApiDependencies): ApiHandler {
  const routes = buildRoutes(deps);
  const now = deps.now ?? (() => new Date());
  const limits = createRequestLimiter(deps.store.rateLimits, deps.requestLimits ?? requestLimitsFromEnv(), now);

  return async (event) => {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    const headers = lowerCaseHeaders(event.headers);
    let response: ApiResponse;
    try {
      response = await handle(method, path, headers, event);
    } catch (error) {
      const { isInternal, ...mapped } = errorResponse(error);
      if (isInternal) deps.log.error('request failed', { method, path, requestId: event.requestContext.requestId, error: error as Error });
      response = mapped;
    }
    return {
      statusCode: response.statusCode,
      headers: { ...response.headers, 'strict-transport-security': STRICT_TRANSPORT_SECURITY },
      body: response.body,
      ...(response.isBase64Encoded ? { isBase64Encoded: true } : {}),
    };
  };

  async function handle(method: string, path: string, headers: Record<string, string>, event: APIGatewayProxyEventV2): Promise<ApiResponse> {
    const { route, params } = resolveRoute(routes, method, path);
    const auth = await authenticate(deps.store, route, headers.authorization, now());
    await limits.admit(route, auth, headers.authorization);
    const account = auth && auth.kind !== 'admin' ? auth.account : undefined;
    if (account && route.requiresWebhooks && !account.webhooksEnabled) throw webhooksNotEnabled();

    const rawBody = decodeBody(event);
    if (Buffer.byteLength(rawBody, 'utf8') > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
    const query = route.query ? validate(route.query, event.queryStringParameters ?? {}, 'query') : undefined;
    const body = route.body ? validate(route.body.schema, parseJsonBody(rawBody, route.body.required), 'body') : undefined;
    const baseUrl = apiBaseUrl(event, headers);
    const run = async (): Promise<ApiResponse> => respond(route, await route.handle({ auth, params, query, body, baseUrl, headers }));

    const idempotencyKey = method === 'POST' && account ? readIdempotencyKey(headers) : undefined;
    if (idempotencyKey === undefined || !account) return run();
    return runIdempotent(
      deps.store,
      // pathId: a rotate-secret answer's endpoint, whose secret a replay reads again (idempotency.ts).
      { accountId: account.accountId, key: idempotencyKey, fingerprint: requestFingerprint(method, path, rawBody), now: now(), pathId: params.id },
      run,
    );
  }
}

/**
 * The API's base URL as the caller reached it, for links and the OpenAPI document's `servers`:
 * the scheme API Gateway reports (x-forwarded-proto; https unless it says http, as the local run
 * does), the API's domain (the Host header when it names that domain, so the local run's port
 * stays) and a named stage (the deployed stage is `$default`, which adds nothing).
 */
export function apiBaseUrl(event: APIGatewayProxyEventV2, headers: Record<string, string>): string {
  const scheme = headers['x-forwarded-proto'] === 'http' ? 'http' : 'https';
  const domain = event.requestContext.domainName || 'localhost';
  const host = headers.host !== undefined && (headers.host === domain || headers.host.startsWith(`${domain}:`)) ? headers.host : domain;
  const stage = event.requestContext.stage;
  return `${scheme}://${host}${stage && stage !== '$default' ? `/${encodeURIComponent(stage)}` : ''}`;
}

function respond(route: Route, result: unknown): ApiResponse {
  if (route.servesFile) return result as ApiResponse;
  if (route.success.status === 204) return noContent();
  return json(route.success.status, result);
}

function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) result[name.toLowerCase()] = value;
  return result;
}

function decodeBody(event: APIGatewayProxyEventV2): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function parseJsonBody(raw: string, required: boolean): unknown {
  if (raw.trim() === '') {
    if (required) throw badRequest('invalid_json', 'A JSON request body is required');
    return {};
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw badRequest('invalid_json', 'The request body is not valid JSON');
  }
}

function validate<S extends z.ZodMiniType>(schema: S, input: unknown, location: 'body' | 'query'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new RequestValidationError(result.error.issues.map((issue) => issueDetail(issue, location)));
}

export function issueDetail(issue: z.core.$ZodIssue, location: 'body' | 'query'): ErrorDetail {
  let field = '';
  for (const key of issue.path) {
    if (typeof key === 'number') field += `[${key}]`;
    else field += field === '' ? String(key) : `.${String(key)}`;
  }
  if (issue.code === 'unrecognized_keys') {
    // zod reports unknown keys on the parent object; name them.
    const names = issue.keys.join(', ');
    return { location, field: field === '' ? names : `${field}.${names}`, message: `unknown field${issue.keys.length > 1 ? 's' : ''}` };
  }
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return { location, field, message: `required (expected ${issue.expected})` };
  }
  return { location, field, message: issue.message.replace(/^Invalid input: /, '') };
}
