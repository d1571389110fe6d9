// The OpenAPI document: valid OpenAPI 3.1, every route documented, every documented route
// served (and reachable through the deployed API Gateway route keys), schemas that are the
// validators', and answers that match the documented response schemas.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createAdminKey } from '../../../cli/admin';
import { buildRoutes } from '../../../lambdas/api/app';
import * as schemas from '../../../lambdas/api/schemas';
import { EVENT_TYPES } from '../../../lambdas/domain/event-catalogue';
import { MAX_RATE_LIMIT, MIN_RATE_LIMIT } from '../../../lambdas/domain/rate-limit';
import { compileRoute, selectRoute } from '../../../local/http-api';
import { API_ROUTE_KEYS, type Harness, startHarness, startReceiver } from './harness';
import { seedDelivery } from './seed';
import { testApiDependencies } from '../../support/api-dependencies';

type Document = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; security: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

let h: Harness;
let document: Document;

beforeAll(async () => {
  h = await startHarness();
  const answer = await h.request('GET', '/v1/openapi.json');
  expect(answer.status).toBe(200);
  document = answer.json;
});
afterAll(() => h.close());

const documentedOperations = () =>
  Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));

/** The route table the app serves, built with dependencies it never calls here. */
function servedRoutes() {
  return buildRoutes(testApiDependencies());
}

/** @seriousme/openapi-schema-validator's verdict, from a child process (see validate-openapi.mjs). */
function validateOpenApi(candidate: unknown): Promise<{ valid: boolean; version: string; errors?: unknown }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [join(__dirname, 'validate-openapi.mjs')], (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout)),
    );
    child.stdin?.end(JSON.stringify(candidate));
  });
}

it('is a valid OpenAPI 3.1 document', async () => {
  const result = await validateOpenApi(document);
  expect(result.errors).toBeUndefined();
  expect(result).toEqual({ valid: true, version: '3.1' });
});

it('would notice an invalid document', async () => {
  const broken = { ...document, paths: { ...document.paths, 'no-leading-slash': {} }, info: {} };
  expect((await validateOpenApi(broken)).valid).toBe(false);
});

it('documents every served route and nothing else', () => {
  // The portal's page and files are served by the same table but are files, not API operations.
  const files = servedRoutes().filter((route) => route.servesFile);
  expect(files.map((route) => `${route.method} ${route.path}`).sort()).toEqual(['GET /portal', 'GET /portal/app.css', 'GET /portal/app.js']);
  const served = servedRoutes().filter((route) => !route.servesFile).map((route) => `${route.method} ${route.path}`);
  expect(documentedOperations().sort()).toEqual([...served].sort());
  // The routes the README lists under "Management API", by name.
  expect(documentedOperations()).toEqual(
    expect.arrayContaining([
      'GET /v1/event-types',
      'POST /v1/endpoints',
      'GET /v1/endpoints',
      'GET /v1/endpoints/{id}',
      'PATCH /v1/endpoints/{id}',
      'DELETE /v1/endpoints/{id}',
      'POST /v1/endpoints/{id}/rotate-secret',
      'POST /v1/endpoints/{id}/enable',
      'POST /v1/endpoints/{id}/test',
      'GET /v1/endpoints/{id}/deliveries',
      'GET /v1/deliveries',
      'GET /v1/deliveries/{id}',
      'POST /v1/deliveries/{id}/redeliver',
      'GET /v1/stats/hourly',
      'POST /v1/admin/portal-links',
      'GET /v1/openapi.json',
    ]),
  );
});

it('serves every documented operation through the API Gateway route keys', async () => {
  const gatewayRoutes = API_ROUTE_KEYS.map((route) => compileRoute(route.routeKey));
  for (const operation of documentedOperations()) {
    const [method = '', template = ''] = operation.split(' ');
    const path = template.replace(/\{[^}]+\}/g, 'some_id');
    expect({ operation, gateway: selectRoute(gatewayRoutes, method, path) !== undefined }).toEqual({ operation, gateway: true });
    const answer = await h.request(method, path);
    const secured = document.paths[template]?.[method.toLowerCase()]?.security.length !== 0;
    // Unknown routes answer 404/405 before authentication; a served route asks for a key (or answers).
    expect({ operation, status: answer.status }).toEqual({ operation, status: secured ? 401 : 200 });
  }
});

it('generates the request schemas from the validators', () => {
  const create = document.components.schemas.CreateEndpointRequest!;
  expect(create).toMatchObject({ type: 'object', required: ['url', 'events'], additionalProperties: false });
  const events = (create.properties as Record<string, { items: { anyOf: { enum?: string[]; const?: string }[] } }>).events;
  const allowed = (events?.items.anyOf ?? []).flatMap((option) => option.enum ?? [option.const]);
  expect(allowed.sort()).toEqual([...EVENT_TYPES, '*'].sort());
  expect((create.properties as Record<string, { maxLength?: number }>).description?.maxLength).toBe(schemas.MAX_DESCRIPTION_LENGTH);
  const listDeliveries = document.paths['/v1/endpoints/{id}/deliveries']!.get as unknown as { parameters: { name: string; in: string }[] };
  expect(listDeliveries.parameters.map((parameter) => `${parameter.in}:${parameter.name}`)).toEqual(['path:id', 'query:status', 'query:limit', 'query:cursor']);
  const listAll = document.paths['/v1/deliveries']!.get as unknown as { parameters: { name: string; in: string; schema: { enum?: string[] } }[] };
  expect(listAll.parameters.map((parameter) => `${parameter.in}:${parameter.name}`)).toEqual([
    'query:status',
    'query:endpoint',
    'query:event',
    'query:event_id',
    'query:since',
    'query:until',
    'query:limit',
    'query:cursor',
  ]);
  expect(listAll.parameters[0]?.schema.enum).toEqual(['pending', 'succeeded', 'failed', 'skipped']);
});

it("documents an endpoint's rateLimit: an integer 1 to 10,000 that null removes, and what it does", () => {
  const property = (schema: string) => (document.components.schemas[schema]!.properties as Record<string, Record<string, unknown>>).rateLimit!;
  const text = 'deliveries above it wait their turn: they are never failed, dropped or counted toward auto-disable';
  for (const schema of ['CreateEndpointRequest', 'UpdateEndpointRequest']) {
    const rateLimit = property(schema);
    expect({ schema, anyOf: rateLimit.anyOf }).toEqual({
      schema,
      anyOf: [expect.objectContaining({ type: 'integer', minimum: MIN_RATE_LIMIT, maximum: MAX_RATE_LIMIT }), { type: 'null' }],
    });
    expect(String(rateLimit.description).toLowerCase()).toContain(text);
    expect(rateLimit.description).toContain('across all dispatchers');
    expect(document.components.schemas[schema]!.required ?? []).not.toContain('rateLimit');
  }
  expect(property('UpdateEndpointRequest').description).toContain('null removes the limit');
  expect(property('Endpoint')).toMatchObject({ type: 'integer' });
  expect(String(property('Endpoint').description).toLowerCase()).toContain(text);
  // The dispatcher's limiter schedule on the same item is never part of an answer.
});

it('tells what the API cannot promise at once: a new endpoint or subscription seen within 5 s, a delivery recorded after its first attempt', () => {
  const operation = (path: string, method: string) => (document.paths[path]![method] as unknown as { description: string }).description;
  expect(operation('/v1/endpoints', 'post')).toContain('Events published within 5 s of the creation may not reach the endpoint');
  expect(operation('/v1/endpoints/{id}', 'patch')).toContain('A change of events reaches every dispatcher within 5 s');
  expect(operation('/v1/deliveries/{id}', 'get')).toContain('it answers status pending with attemptCount 0');
});

it('names the server the request reached, and which credential each route takes', () => {
  const served = document as Document & { servers: { url: string }[]; components: { securitySchemes: Record<string, unknown> } };
  expect(served.servers.map((server) => server.url)).toEqual([h.url]);
  expect(Object.keys(served.components.securitySchemes).sort()).toEqual(['adminKey', 'apiKey', 'portalToken']);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const expected = path.startsWith('/v1/admin/')
        ? [{ adminKey: [] }]
        : operation.security.length === 0
          ? []
          : [{ apiKey: [] }, { portalToken: [] }];
      expect({ route: `${method} ${path}`, security: operation.security }).toEqual({ route: `${method} ${path}`, security: expected });
    }
  }
});

it('answers in the documented shapes', async () => {
  const receiver = await startReceiver();
  try {
    const { apiKey, accountId } = await h.newAccount();
    const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: receiver.url, events: ['click'], rateLimit: 100 } });
    const id = created.json.id;
    const deliveryId = await seedDelivery(h.dispatcherStore, { accountId, endpointId: id, eventId: 'evt-shape', outcomes: ['failed'], startAt: new Date() });
    const checks: [string, string, unknown, { safeParse(value: unknown): { success: boolean; error?: unknown } }][] = [
      ['GET', '/health', undefined, schemas.Health],
      ['GET', '/v1/event-types', undefined, schemas.EventTypeList],
      ['GET', '/v1/endpoints', undefined, schemas.EndpointList],
      ['GET', `/v1/endpoints/${id}`, undefined, schemas.Endpoint],
      ['PATCH', `/v1/endpoints/${id}`, { description: 'shape' }, schemas.Endpoint],
      ['PATCH', `/v1/endpoints/${id}`, { rateLimit: 10_000 }, schemas.Endpoint],
      ['GET', `/v1/endpoints/${id}/secret`, undefined, schemas.EndpointSecret],
      ['POST', `/v1/endpoints/${id}/rotate-secret`, undefined, schemas.EndpointSecret],
      ['POST', `/v1/endpoints/${id}/enable`, undefined, schemas.Endpoint],
      ['POST', `/v1/endpoints/${id}/test`, {}, schemas.TestResult],
      ['GET', `/v1/endpoints/${id}/deliveries`, undefined, schemas.AttemptPage],
      ['GET', `/v1/deliveries/${deliveryId}`, undefined, schemas.Delivery],
      ['POST', `/v1/deliveries/${deliveryId}/redeliver`, undefined, schemas.RedeliveryAccepted],
      ['POST', `/v1/endpoints/${id}/recover`, { since: new Date(Date.now() - 60_000).toISOString() }, schemas.RecoverResult],
      ['GET', '/v1/endpoints/ep_unknown', undefined, schemas.ErrorResponse],
      ['GET', '/v1/deliveries?limit=1', undefined, schemas.DeliveryPage],
      ['GET', `/v1/deliveries?event_id=evt-shape`, undefined, schemas.DeliveryPage],
      ['GET', '/v1/stats/hourly', undefined, schemas.HourlyStats],
    ];
    expect(schemas.CreatedEndpoint.safeParse(created.json).success).toBe(true);
    const { adminKey } = await createAdminKey(h.store);
    const link = await h.request('POST', '/v1/admin/portal-links', { apiKey: adminKey, body: { accountId } });
    expect(schemas.PortalLink.safeParse(link.json).error).toBeUndefined();
    for (const [method, path, body, schema] of checks) {
      const answer = await h.request(method, path, { apiKey, ...(body === undefined ? {} : { body }) });
      const parsed = schema.safeParse(answer.json);
      expect({ method, path, error: parsed.error }).toEqual({ method, path, error: undefined });
    }
  } finally {
    await receiver.close();
  }
});
