import { defineRoute, type Route } from '../router';
import { AttemptPage, Delivery, ListDeliveriesQuery, RecoverRequest, RecoverResult, RedeliveryAccepted } from '../schemas';
import type { DeliveryLogService } from '../services/deliveries';
import { attemptView, deliveryView } from '../views';

const TAG = 'Deliveries';

export function deliveryRoutes(services: { deliveries: DeliveryLogService }): Route[] {
  const { deliveries } = services;
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/endpoints/{id}/deliveries',
      operationId: 'listEndpointDeliveries',
      summary: "The endpoint's attempt log, newest first",
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
        '(because the endpoint was disabled), gets a new attempt (same delivery id). 409 while the endpoint is disabled.',
      tag: TAG,
      access: 'account',
      requiresWebhooks: true,
      errors: [400, 403, 404, 409, 413],
      body: { schema: RecoverRequest, required: true },
      success: { status: 202, description: 'The deliveries queued for a new attempt', schema: RecoverResult },
      handle: async ({ auth, params, body }) => {
        const since = new Date(body.since);
        const result = await deliveries.recover(auth.account.accountId, params.id ?? '', since);
        return { since: since.toISOString(), ...result };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/deliveries/{id}',
      operationId: 'getDelivery',
      summary: 'One delivery with all its attempts',
      tag: TAG,
      access: 'account',
      errors: [404],
      success: { status: 200, description: 'The delivery', schema: Delivery },
      handle: async ({ auth, params }) => {
        return deliveryView(await deliveries.get(auth.account.accountId, params.id ?? ''));
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
        return { id: deliveryId, status: 'pending' as const, attempt };
      },
    }),
  ];
}
