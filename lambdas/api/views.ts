// Records -> response bodies. Explicit fields only, so a new internal attribute (a secret, a
// claim, a counter) never reaches a client by accident.
import type { z } from 'zod';
import type { LoggedDelivery } from '../adapters/management/delivery-log-store';
import { maskHeaderValue } from '../domain/custom-headers';
import type { Attempt, Delivery, Endpoint } from '../domain/model';
import type * as schemas from './schemas';

type EndpointView = z.input<typeof schemas.Endpoint>;
type AttemptView = z.input<typeof schemas.Attempt>;
type DeliveryView = z.input<typeof schemas.Delivery>;
type DeliverySummaryView = z.input<typeof schemas.DeliverySummary>;

const present = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** `now` decides whether a scheduled secret switch is still ahead (shown) or done (not). */
export function endpointView(endpoint: Endpoint, now = new Date()): EndpointView {
  const switchAhead = endpoint.secretActivatesAt !== undefined && Date.parse(endpoint.secretActivatesAt) > now.getTime();
  return {
    id: endpoint.endpointId,
    url: endpoint.url,
    events: [...endpoint.events],
    ...present('description', endpoint.description),
    ...present('rateLimit', endpoint.rateLimit),
    ...present('filter', endpoint.filter),
    ...present('redact', endpoint.redact ? [...endpoint.redact] : undefined),
    ...present('headers', endpoint.headers ? maskedHeaders(endpoint.headers) : undefined),
    ...present('secretActivatesAt', switchAhead ? endpoint.secretActivatesAt : undefined),
    status: endpoint.status,
    ...present('disabledReason', endpoint.disabledReason),
    ...present('disabledAt', endpoint.disabledAt),
    consecutiveFailures: endpoint.consecutiveFailures,
    ...present('lastSuccessAt', endpoint.lastSuccessAt),
    ...present('lastFailureAt', endpoint.lastFailureAt),
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
}

/** Custom header values are the account's secrets: answers show them masked. */
function maskedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, maskHeaderValue(value)]));
}

export function attemptView(attempt: Attempt): AttemptView {
  return {
    deliveryId: attempt.deliveryId,
    eventId: attempt.eventId,
    eventType: attempt.eventType,
    attempt: attempt.attempt,
    attemptedAt: attempt.attemptedAt,
    outcome: attempt.outcome,
    ...present('statusCode', attempt.statusCode),
    ...present('errorClass', attempt.errorClass),
    ...present('errorMessage', attempt.errorMessage),
    latencyMs: attempt.latencyMs,
    ...present('responseExcerpt', attempt.responseExcerpt),
    ...present('nextRetryAt', attempt.nextRetryAt),
    ...(attempt.test === true ? { test: true } : {}),
  };
}

export function deliverySummaryView(delivery: Delivery): DeliverySummaryView {
  const last = delivery.attempts[delivery.attempts.length - 1];
  return {
    ...deliveryFieldsView(delivery),
    ...(last
      ? {
          lastAttempt: {
            attempt: last.attempt,
            attemptedAt: last.attemptedAt,
            outcome: last.outcome,
            ...present('statusCode', last.statusCode),
            ...present('errorClass', last.errorClass),
            latencyMs: last.latencyMs,
          },
        }
      : {}),
  };
}

export function deliveryView(delivery: Delivery): DeliveryView {
  return {
    ...deliveryFieldsView(delivery),
    ...(delivery.test === true ? {} : { payload: JSON.parse(delivery.body) as unknown }),
    attempts: delivery.attempts.map(attemptView),
  };
}

/** A delivery whose first attempt is under way: what the dispatcher logged before sending it. */
export function underWayDeliveryView(logged: LoggedDelivery): DeliveryView {
  return {
    id: logged.deliveryId,
    endpointId: logged.endpointId,
    eventType: logged.eventType,
    status: 'pending',
    attemptCount: 0,
    createdAt: logged.loggedAt,
    updatedAt: logged.loggedAt,
    attempts: [],
  };
}

function deliveryFieldsView(delivery: Delivery) {
  return {
    id: delivery.deliveryId,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    ...present('reason', delivery.reason),
    ...present('nextAttemptAt', delivery.nextAttemptAt),
    ...(delivery.test === true ? { test: true } : {}),
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}
