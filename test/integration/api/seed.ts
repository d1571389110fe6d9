// Deliveries written the way the dispatcher writes them (DynamoDbDeliveryStore: the batch's log
// line, then the delivery once its first attempt is known, then claim + record per retry), so
// the log and redelivery routes read real rows.
import type { DynamoDbDeliveryStore } from '../../../lambdas/adapters/dynamodb-delivery-store';
import { EVENT_CATALOGUE, type EventType } from '../../../lambdas/domain/event-catalogue';
import { deliveryIdFor } from '../../../lambdas/domain/ids';
import type { Attempt, AttemptOutcome, Delivery } from '../../../lambdas/domain/model';
import { buildDeliveryBody, formatTimestamp } from '../../../lambdas/domain/payload';
import { createDelivery } from '../../support/create-delivery';

export interface SeedOptions {
  accountId: string;
  endpointId: string;
  eventId: string;
  /** click unless named. */
  eventType?: EventType;
  /** One entry per attempt made, in order. */
  outcomes: AttemptOutcome[];
  /** After the last attempt: its own outcome, or pending (a retry scheduled at `nextRetryAt`). */
  final?: 'pending';
  /** When the first attempt happened; later ones follow a minute apart. */
  startAt: Date;
  /** For a pending delivery: when its retry is due. */
  nextRetryAt?: Date;
}

function newDelivery(accountId: string, endpointId: string, eventId: string, at: Date, eventType: EventType = 'click'): Delivery {
  const data = eventType === 'click' ? { ...EVENT_CATALOGUE.click.example, click_id: eventId } : EVENT_CATALOGUE[eventType].example;
  return {
    deliveryId: deliveryIdFor(accountId, eventId, endpointId),
    accountId,
    endpointId,
    eventId,
    eventType,
    status: 'pending',
    attemptCount: 0,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    body: buildDeliveryBody(eventType, formatTimestamp(at), data),
    attempts: [],
  };
}

/** A delivery the dispatcher skipped at once because the endpoint was disabled: no attempt. */
export async function seedSkippedDelivery(
  store: DynamoDbDeliveryStore,
  options: { accountId: string; endpointId: string; eventId: string; at: Date },
): Promise<string> {
  const { accountId, endpointId, eventId, at } = options;
  const delivery: Delivery = { ...newDelivery(accountId, endpointId, eventId, at), status: 'skipped', reason: 'endpoint disabled' };
  await store.appendLog(accountId, [{ deliveryId: delivery.deliveryId, endpointId, eventType: 'click', attempt: 1, created: true }], at);
  if (!(await createDelivery(store, delivery))) throw new Error(`seed: delivery ${delivery.deliveryId} exists already`);
  return delivery.deliveryId;
}

export async function seedDelivery(store: DynamoDbDeliveryStore, options: SeedOptions): Promise<string> {
  const { accountId, endpointId, eventId, outcomes } = options;
  const eventType = options.eventType ?? 'click';
  let delivery = newDelivery(accountId, endpointId, eventId, options.startAt, eventType);
  for (const [index, outcome] of outcomes.entries()) {
    const number = index + 1;
    const at = new Date(options.startAt.getTime() + index * 60_000);
    const logged = { deliveryId: delivery.deliveryId, endpointId, eventType: number === 1 ? eventType : '', attempt: number, created: number === 1 };
    await store.appendLog(accountId, [logged], at);
    if (number > 1 && !(await store.claimAttempt(delivery.deliveryId, { attempt: number, leaseUntil: new Date(at.getTime() + 60_000) }, at))) {
      throw new Error(`seed: could not claim attempt ${number} of ${delivery.deliveryId}`);
    }
    const last = number === outcomes.length;
    const retryAt = last ? options.nextRetryAt : new Date(at.getTime() + 60_000);
    const pending = !last || options.final === 'pending';
    const attempt: Attempt = {
      deliveryId: delivery.deliveryId,
      accountId,
      endpointId,
      eventId,
      eventType,
      attempt: number,
      attemptedAt: at.toISOString(),
      outcome,
      latencyMs: 12,
      ...(outcome === 'failed' ? { statusCode: 500, errorClass: 'http_status' as const, errorMessage: 'HTTP 500' } : { statusCode: 200 }),
      responseExcerpt: outcome === 'failed' ? 'boom' : 'ok',
      ...(pending && retryAt ? { nextRetryAt: retryAt.toISOString() } : {}),
    };
    const status = pending ? 'pending' : outcome === 'succeeded' ? 'succeeded' : 'failed';
    const { reason: _reason, nextAttemptAt: _next, ...rest } = delivery;
    delivery = {
      ...rest,
      status,
      attemptCount: number,
      updatedAt: at.toISOString(),
      attempts: [...delivery.attempts, attempt],
      ...(status === 'failed' ? { reason: `all ${number} attempts failed` } : {}),
      ...(pending && retryAt ? { nextAttemptAt: retryAt.toISOString(), retryScheduledFor: number + 1 } : {}),
    };
    const recorded = number === 1 ? await createDelivery(store, delivery) : await store.recordAttempt(delivery);
    if (!recorded) throw new Error(`seed: attempt ${number} of ${delivery.deliveryId} was not recorded`);
  }
  return delivery.deliveryId;
}
