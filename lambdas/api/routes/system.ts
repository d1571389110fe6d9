import { defineRoute, type Route } from '../router';
import { Health, OpenApiDocument } from '../schemas';

/**
 * Public on purpose: health answers uptime checks, and the API description is documentation;
 * neither says anything about any account.
 */
export function systemRoutes(openApiDocument: (baseUrl: string) => Record<string, unknown>): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/health',
      operationId: 'health',
      summary: 'Liveness check',
      description: 'Public. Answers without touching the database.',
      tag: 'System',
      access: 'public',
      errors: [],
      success: { status: 200, description: 'The API is up', schema: Health },
      handle: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This API as an OpenAPI 3.1 document',
      description:
        'Public. Generated from the same route table and schemas that serve and validate requests; servers names the base URL ' +
        'this request used (scheme, host and stage as API Gateway reports them).',
      tag: 'System',
      access: 'public',
      errors: [],
      success: { status: 200, description: 'The OpenAPI document', schema: OpenApiDocument },
      handle: async ({ baseUrl }) => openApiDocument(baseUrl),
    }),
  ];
}
