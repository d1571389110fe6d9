import { DEFAULT_ACCOUNT_CACHE_MS } from '../../delivery/account-directory';
import type { Audit } from '../audit';
import { defineRoute, type Route } from '../router';
import {
  CreatedEndpoint,
  CreateEndpointRequest,
  Endpoint,
  EndpointList,
  EndpointSecret,
  FilterPreview,
  FilterPreviewRequest,
  RotateSecretRequest,
  TestEndpointRequest,
  TestResult,
  UpdateEndpointRequest,
} from '../schemas';
import { type EndpointService, webhooksNotEnabled } from '../services/endpoints';
import { type FilterPreviewService, PREVIEW_EVENTS } from '../services/filter-preview';
import type { TestSendService } from '../services/test-sends';
import { endpointView } from '../views';

/** The dispatcher's account cache (ACCOUNT_CACHE_SECONDS' default): how long a new endpoint or subscription may go unseen. */
const ENDPOINT_LIST_REFRESH_SECONDS = DEFAULT_ACCOUNT_CACHE_MS / 1000;

const TAG = 'Endpoints';

export function endpointRoutes(services: { endpoints: EndpointService; testSends: TestSendService; filterPreviews: FilterPreviewService; audit: Audit }): Route[] {
  const { endpoints, testSends, filterPreviews, audit } = services;
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/endpoints',
      operationId: 'listEndpoints',
      summary: "List the account's endpoints, oldest first",
      tag: TAG,
      access: 'account',
      errors: [],
      success: { status: 200, description: 'The endpoints', schema: EndpointList },
      handle: async ({ auth }) => ({ data: (await endpoints.list(auth.account.accountId)).map((endpoint) => endpointView(endpoint)) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/endpoints',
      operationId: 'createEndpoint',
      summary: 'Register an endpoint',
      description:
        'The URL is checked against the URL policy (its host name is resolved). The answer carries the signing secret. ' +
        "403 endpoint_quota_exceeded when the plan's endpoint limit is reached. " +
        `Events published within ${ENDPOINT_LIST_REFRESH_SECONDS} s of the creation may not reach the endpoint: each dispatcher ` +
        `reads an account's endpoints at most every ${ENDPOINT_LIST_REFRESH_SECONDS} s. A test send (POST /v1/endpoints/{id}/test) goes out at once.`,
      tag: TAG,
      access: 'account',
      requiresWebhooks: true,
      errors: [400, 403, 409, 413],
      body: { schema: CreateEndpointRequest, required: true },
      success: { status: 201, description: 'The endpoint, with its secret', schema: CreatedEndpoint },
      handle: async ({ auth, body }) => {
        const endpoint = await endpoints.create(auth.account, body);
        audit(auth, { action: 'endpoint.create', resource: endpoint.endpointId, details: { fields: Object.keys(body) } });
        return { ...endpointView(endpoint), secret: endpoint.secret };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/endpoints/{id}',
      operationId: 'getEndpoint',
      summary: 'Get one endpoint',
      tag: TAG,
      access: 'account',
      errors: [404],
      success: { status: 200, description: 'The endpoint', schema: Endpoint },
      handle: async ({ auth, params }) => endpointView(await endpoints.get(auth.account.accountId, params.id ?? '')),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/v1/endpoints/{id}',
      operationId: 'updateEndpoint',
      summary: 'Change url, events, description, rateLimit, filter, redact, headers or status',
      description:
        'status active re-enables the endpoint and resets its failure counter; status disabled pauses deliveries. ' +
        `A change of events reaches every dispatcher within ${ENDPOINT_LIST_REFRESH_SECONDS} s (each reads an account's endpoints at most that often); ` +
        'a disable or a change of url applies to the next event sent, since every send reads its endpoint first. ' +
        'rateLimit null removes the limit; a new limit paces the sends scheduled after it (those already waiting for their turn keep it).',
      tag: TAG,
      access: 'account',
      errors: [400, 403, 404, 413],
      body: { schema: UpdateEndpointRequest, required: true },
      success: { status: 200, description: 'The endpoint after the change', schema: Endpoint },
      handle: async ({ auth, params, body }) => {
        // Re-enabling is what POST /enable does, so the same plan check applies (403 webhooks_not_enabled).
        if (body.status === 'active' && !auth.account.webhooksEnabled) throw webhooksNotEnabled();
        const updated = await endpoints.update(auth.account.accountId, params.id ?? '', body);
        // Field names only: a URL, a filter or a header value may hold a customer's secret.
        audit(auth, { action: 'endpoint.update', resource: updated.endpointId, details: { fields: Object.keys(body), ...(body.status ? { status: body.status } : {}) } });
        return endpointView(updated);
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/endpoints/{id}',
      operationId: 'deleteEndpoint',
      summary: 'Delete an endpoint',
      description: 'Pending retries of its deliveries are dropped; its delivery log stays readable until it expires.',
      tag: TAG,
      access: 'account',
      errors: [404],
      success: { status: 204, description: 'Deleted' },
      handle: async ({ auth, params }) => {
        await endpoints.remove(auth.account.accountId, params.id ?? '');
        audit(auth, { action: 'endpoint.delete', resource: params.id ?? '' });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/endpoints/{id}/secret',
      manageOnly: true,
      operationId: 'getEndpointSecret',
      summary: "Read the endpoint's signing secret",
      tag: TAG,
      access: 'account',
      errors: [404],
      success: { status: 200, description: 'The secret', schema: EndpointSecret },
      handle: async ({ auth, params }) => {
        const secret = await endpoints.secret(auth.account.accountId, params.id ?? '');
        audit(auth, { action: 'endpoint.reveal_secret', resource: params.id ?? '' });
        return secret;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/endpoints/{id}/rotate-secret',
      operationId: 'rotateEndpointSecret',
      summary: 'Issue a new signing secret',
      description:
        'Without activateAt, X-GeoRedir-Signature uses the new secret at once: a receiver that checks one secret (as the guide shows) rejects ' +
        'deliveries until it has the new one. With activateAt (now to 24 h ahead), X-GeoRedir-Signature keeps the current secret until then, ' +
        'so such a receiver can be given the new secret first. Either way webhook-signature carries both secrets from now until previousSecretExpiresAt ' +
        '(24 h by default after the switch). A second rotation within the grace period ends the first one; one while a switch is scheduled is refused (409).',
      tag: TAG,
      access: 'account',
      errors: [400, 404, 409],
      body: { schema: RotateSecretRequest, required: false },
      success: { status: 200, description: 'The new secret', schema: EndpointSecret },
      handle: async ({ auth, params, body }) => {
        const rotated = await endpoints.rotateSecret(auth.account.accountId, params.id ?? '', body.activateAt);
        audit(auth, { action: 'endpoint.rotate_secret', resource: params.id ?? '', details: { scheduled: body.activateAt !== undefined } });
        return rotated;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/endpoints/{id}/enable',
      operationId: 'enableEndpoint',
      summary: 'Re-enable an endpoint after it was disabled, resetting its failure counter',
      tag: TAG,
      access: 'account',
      requiresWebhooks: true,
      errors: [403, 404, 409],
      success: { status: 200, description: 'The endpoint, active', schema: Endpoint },
      handle: async ({ auth, params }) => {
        const enabled = await endpoints.enable(auth.account.accountId, params.id ?? '');
        audit(auth, { action: 'endpoint.enable', resource: enabled.endpointId });
        return endpointView(enabled);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/filter-preview',
      operationId: 'previewFilter',
      summary: "Try a filter on the account's latest events",
      description:
        `How many of the account's latest ${PREVIEW_EVENTS} events of the given types (as their deliveries were sent) the filter would have delivered. ` +
        'Events delivered to no endpoint, and fields an endpoint redacted, are not seen. Changes nothing.',
      tag: TAG,
      access: 'account',
      errors: [400],
      body: { schema: FilterPreviewRequest, required: true },
      success: { status: 200, description: 'Events tried and matched', schema: FilterPreview },
      handle: async ({ auth, body }) => filterPreviews.preview(auth.account.accountId, body.filter, body.events),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/endpoints/{id}/test',
      operationId: 'testEndpoint',
      summary: 'Send a sample event now and report the outcome',
      description:
        'Signed like any delivery, with X-GeoRedir-Test: true. Without event, sends the first type the endpoint subscribes to ' +
        '(click for ["*"]). Logged in the endpoint\'s deliveries (test: true); never retried ' +
        'and not counted towards auto-disable. Works on a disabled endpoint. Rate limited per endpoint and per account (429).',
      tag: TAG,
      access: 'account',
      requiresWebhooks: true,
      errors: [400, 403, 404, 409, 413, 429],
      body: { schema: TestEndpointRequest, required: false },
      success: { status: 200, description: "The attempt's outcome (also when the endpoint failed)", schema: TestResult },
      handle: async ({ auth, params, body }) => {
        const result = await testSends.send(auth.account.accountId, params.id ?? '', body.event);
        audit(auth, { action: 'endpoint.test', resource: params.id ?? '', details: { eventType: result.eventType, deliveryId: result.deliveryId } });
        return result;
      },
    }),
  ];
}
