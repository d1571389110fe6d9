import type { Audit } from '../audit';
import { defineRoute, type Route } from '../router';
import {
  AttemptPage,
  Delivery,
  DeliveryPage,
  ListAccountDeliveriesQuery,
  ListDeliveriesQuery,
  RecoverRequest,
  RecoverResult,
  RedeliveryAccepted,
} from '../schemas';
import { type DeliveryLogService, MAX_DELIVERIES_READ_PER_REQUEST, MAX_PAGES_PER_REQUEST, MAX_RECOVER_DELIVERIES } from '../services/deliveries';
import { attemptView, deliverySummaryView, deliveryView, underWayDeliveryView } from '../views';

const TAG = 'Deliveries';

export function deliveryRoutes(services: { deliveries: DeliveryLogService; audit: Audit }): Route[] {
  const { deliveries, audit } = services;
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/deliveries',
      operationId: 'listDeliveries',
      summary: "The account's deliveries across all its endpoints, newest first",
      description:
        'Every delivery (one event x one endpoint) the dispatcher or a test send created, skipped ones included, filtered by ' +
        `status, endpoint, event type, event id and creation time. One call reads at most ${MAX_PAGES_PER_REQUEST} pages of the delivery log and ` +
        `${MAX_DELIVERIES_READ_PER_REQUEST} deliveries, so a selective filter answers a short (even empty) page with a nextCursor ` +
        'rather than scanning the whole log: keep following nextCursor until it is null. A cursor only continues the list with the ' +
        'same filters (400 invalid_cursor otherwise). event_id looks the event\'s deliveries up directly and answers them in one page.',
      tag: TAG,
      access: 'account',
      errors: [400],
      query: ListAccountDeliveriesQuery,
      success: { status: 200, description: 'One page of deliveries', schema: DeliveryPage },
      handle: async ({ auth, query }) => {
        const utc = (time: string | undefined) => (time === undefined ? undefined : new Date(time).toISOString());
        const since = utc(query.since);
        const until = utc(query.until);
        const page = await deliveries.list(
          auth.account.accountId,
          {
            ...(query.status === undefined ? {} : { status: query.status }),
            ...(query.endpoint === undefined ? {} : { endpointId: query.endpoint }),
            ...(query.event === undefined ? {} : { eventType: query.event }),
            ...(query.event_id === undefined ? {} : { eventId: query.event_id }),
            ...(since === undefined ? {} : { since }),
            ...(until === undefined ? {} : { until }),
          },
          { limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) },
        );
        return { data: page.items.map(deliverySummaryView), nextCursor: page.nextCursor ?? null };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/endpoints/{id}/deliveries',
      operationId: 'listEndpointDeliveries',
      summary: "The endpoint's attempt log, newest first",
      description:
        'One entry per attempt, so status is an attempt outcome (succeeded or failed). For the endpoint\'s deliveries by status, ' +
        'pending and skipped included, use GET /v1/deliveries?endpoint={id}.',
      tag: TAG,
      access: 'account',
      errors: [400, 404],
      query: ListDeliveriesQuery,
      success: { status: 200, description: 'One page of attempts', schema: AttemptPage },
      handle: async ({ auth, params, query }) => {
        const page = await deliveries.listForEndpoint(auth.account.accountId, params.id ?? '', {
          limit: query.limit,
          ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
          ...(query.status === undefined ? {} : { outcome: query.status }),
        });
        return { data: page.items.map(attemptView), nextCursor: page.nextCursor ?? null };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/endpoints/{id}/recover',
      operationId: 'recoverEndpoint',
      summary: 'Redeliver every failed or skipped delivery since a time',
      description:
        'Each failed delivery with a failed attempt at or after since, and each delivery created since then that failed or was skipped ' +
        '(because the endpoint was disabled), gets a new attempt (same delivery id). 409 while the endpoint is disabled. One call ' +
        `reopens at most ${MAX_RECOVER_DELIVERIES} deliveries, the oldest first (truncated: true when more are left: call again); ` +
        'calls are limited per account and minute (429 with Retry-After).',
      tag: TAG,
      access: 'account',
      requiresWebhooks: true,
      errors: [400, 403, 404, 409, 413],
      body: { schema: RecoverRequest, required: true },
      success: { status: 202, description: 'The deliveries queued for a new attempt', schema: RecoverResult },
      handle: async ({ auth, params, body }) => {
        const since = new Date(body.since);
        const result = await deliveries.recover(auth.account.accountId, params.id ?? '', since);
        audit(auth, {
          action: 'endpoint.recover',
          resource: params.id ?? '',
          details: { since: since.toISOString(), redelivered: result.redelivered.length, truncated: result.truncated },
        });
        return { since: since.toISOString(), ...result };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/deliveries/{id}',
      operationId: 'getDelivery',
      summary: 'One delivery with all its attempts',
      description:
        'A delivery is recorded once its first attempt has ended. Looked up while that attempt is under way (a receiver checking ' +
        'the X-GeoRedir-Delivery id it is being sent), it answers status pending with attemptCount 0, no attempts, and without ' +
        'eventId and payload, which are recorded with the attempt; an id the account never had answers 404.',
      tag: TAG,
      access: 'account',
      errors: [404],
      success: { status: 200, description: 'The delivery', schema: Delivery },
      handle: async ({ auth, params }) => {
        const found = await deliveries.get(auth.account.accountId, params.id ?? '');
        return 'recorded' in found ? deliveryView(found.recorded) : underWayDeliveryView(found.underWay);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/deliveries/{id}/redeliver',
      operationId: 'redeliver',
      summary: 'Send a finished delivery again',
      description:
        'Same delivery id, a new attempt number; the usual retries follow if it fails. 409 while the endpoint is disabled, ' +
        'while the delivery is still in progress, or when its event is no longer retained.',
      tag: TAG,
      access: 'account',
      requiresWebhooks: true,
      errors: [403, 404, 409],
      success: { status: 202, description: 'Queued', schema: RedeliveryAccepted },
      handle: async ({ auth, params }) => {
        const { deliveryId, attempt } = await deliveries.redeliver(auth.account.accountId, params.id ?? '');
        audit(auth, { action: 'delivery.redeliver', resource: deliveryId, details: { attempt } });
        return { id: deliveryId, status: 'pending' as const, attempt };
      },
    }),
  ];
}
