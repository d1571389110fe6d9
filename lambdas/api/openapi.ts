// The OpenAPI 3.1 document, generated from the route table and the zod schemas that validate
// requests (OpenAPI 3.1 schemas are JSON Schema 2020-12, which z.toJSONSchema emits).
import * as z from '../shared/zod';
import { SERVICE_VERSION } from '../shared/version';
import type { Route } from './router';
import { NAMED_SCHEMAS } from './schemas';

type JsonObject = Record<string, unknown>;

const SCHEMA_REF = (name: string) => `#/components/schemas/${name}`;
const STATUS_TEXT: Record<number, string> = {
  400: 'The request is not valid (details name the fields)',
  401: 'Missing, malformed, unknown or revoked credential; portal_link_expired when a portal token has run out',
  403: 'Not allowed by the plan (webhooks not included, endpoint quota reached)',
  404: 'No such resource in this account',
  405: 'The path exists with other methods',
  409: 'The resource is not in a state that allows this, or the Idempotency-Key conflicts',
  413: 'The request body is too large',
  429: 'Too many requests; see Retry-After',
};

/** Named schemas, both directions, keyed by the schema object itself. */
function schemaNames(): Map<z.ZodMiniType, string> {
  const names = new Map<z.ZodMiniType, string>();
  for (const group of [NAMED_SCHEMAS.requests, NAMED_SCHEMAS.responses]) {
    for (const [name, schema] of Object.entries(group)) names.set(schema, name);
  }
  return names;
}

function componentSchemas(): Record<string, JsonObject> {
  const result: Record<string, JsonObject> = {};
  const groups = [
    { schemas: NAMED_SCHEMAS.requests, io: 'input' as const },
    { schemas: NAMED_SCHEMAS.responses, io: 'output' as const },
  ];
  for (const { schemas, io } of groups) {
    const registry = z.registry<{ id: string }>();
    for (const [name, schema] of Object.entries(schemas)) registry.add(schema, { id: name });
    const generated = z.toJSONSchema(registry, { io, uri: SCHEMA_REF }) as { schemas: Record<string, JsonObject> };
    for (const [name, schema] of Object.entries(generated.schemas)) {
      const { $schema: _dialect, $id: _id, ...rest } = schema;
      result[name] = rest;
    }
  }
  return result;
}

function refTo(names: Map<z.ZodMiniType, string>, schema: z.ZodMiniType, where: string): JsonObject {
  const name = names.get(schema);
  if (!name) throw new Error(`${where}: schema is not listed in NAMED_SCHEMAS`);
  return { $ref: SCHEMA_REF(name) };
}

function pathParameters(route: Route): JsonObject[] {
  return [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
  }));
}

function queryParameters(route: Route): JsonObject[] {
  if (!route.query) return [];
  const schema = z.toJSONSchema(route.query, { io: 'input' }) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: 'query',
      required: (schema.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: propertySchema,
    };
  });
}

function takesIdempotencyKey(route: Route): boolean {
  return route.method === 'POST' && route.access === 'account';
}

/** Which credentials a route takes (components.securitySchemes); none for public routes. */
function security(route: Route): JsonObject[] {
  switch (route.access) {
    case 'public':
      return [];
    case 'admin':
      return [{ adminKey: [] }];
    case 'account':
      return route.apiKeyOnly ? [{ apiKey: [] }] : [{ apiKey: [] }, { portalToken: [] }];
  }
}

/** Every status the app itself may add to what the route declares. */
export function documentedErrorStatuses(route: Route): number[] {
  const statuses = new Set(route.errors);
  if (route.access !== 'public') statuses.add(401);
  if (route.requiresWebhooks) statuses.add(403);
  if (route.body || route.query) statuses.add(400);
  if (route.body) statuses.add(413);
  if (takesIdempotencyKey(route)) {
    statuses.add(400);
    statuses.add(409);
  }
  return [...statuses].sort((a, b) => a - b);
}

function operation(route: Route, names: Map<z.ZodMiniType, string>): JsonObject {
  const where = `${route.method} ${route.path}`;
  const parameters = [...pathParameters(route), ...queryParameters(route)];
  if (takesIdempotencyKey(route)) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Repeat the request with the same key within 24 h to get the first answer again instead of a second effect',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  const success: JsonObject = { description: route.success.description };
  if (route.success.schema) success.content = { 'application/json': { schema: refTo(names, route.success.schema, where) } };
  const responses: JsonObject = { [String(route.success.status)]: success };
  for (const status of documentedErrorStatuses(route)) {
    responses[String(status)] = {
      description: STATUS_TEXT[status] ?? 'Error',
      content: { 'application/json': { schema: { $ref: SCHEMA_REF('ErrorResponse') } } },
      ...(status === 429 ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } } } : {}),
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: security(route),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.body.required,
            content: { 'application/json': { schema: refTo(names, route.body.schema, where) } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(allRoutes: readonly Route[]): JsonObject {
  // The portal's page and files are served by the same table but are not API operations.
  const routes = allRoutes.filter((route) => !route.servesFile);
  const names = schemaNames();
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase()] = operation(route, names);
  }
  const tags = [...new Set(routes.map((route) => route.tag))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'GeoRedir Webhooks management API',
      version: SERVICE_VERSION,
      description:
        'Manage webhook endpoints, their secrets and delivery logs. Authenticate with "Authorization: Bearer <API key>"; ' +
        'every resource belongs to the key\'s account and other accounts\' ids answer 404. Errors are ' +
        '{"error": {"code", "message", "details"?}}. POST routes accept an Idempotency-Key header.',
    },
    tags,
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (grw_...) from the admin CLI' },
        portalToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'A portal token (grp_...) from a portal link: one account, a limited time (401 portal_link_expired after)',
        },
        adminKey: { type: 'http', scheme: 'bearer', description: "An operator's admin key (gra_...) from the admin CLI; admin routes only" },
      },
      schemas: componentSchemas(),
    },
  };
}

/** The document as served: `servers` names the base URL the caller used (see app.ts apiBaseUrl). */
export function withServer(document: JsonObject, baseUrl: string): JsonObject {
  const { openapi, info, ...rest } = document;
  return { openapi, info, servers: [{ url: baseUrl, description: 'This deployment, as this request reached it' }], ...rest };
}
