// Deliveries written the way the dispatcher writes them (DynamoDbStore: event, delivery with the
// first claim, then claim + record per attempt), so the log and redelivery routes read real rows.
import type { DynamoDbStore } from '../../../lambdas/adapters/dynamodb-store';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { deliveryIdFor } from '../../../lambdas/domain/ids';
import type { Attempt, AttemptOutcome } from '../../../lambdas/domain/model';
import { buildDeliveryBody, formatTimestamp } from '../../../lambdas/domain/payload';

export interface SeedOptions {
  accountId: string;
  endpointId: string;
  eventId: string;
  /** One entry per attempt made, in order. */
  outcomes: AttemptOutcome[];
  /** After the last attempt: its own outcome, or pending (a retry scheduled at `nextRetryAt`). */
  final?: 'pending';
  /** When the first attempt happened; later ones follow a minute apart. */
  startAt: Date;
  /** For a pending delivery: when its retry is due. */
  nextRetryAt?: Date;
}

/** A delivery the dispatcher skipped at once because the endpoint was disabled: no attempt, no claim. */
export async function seedSkippedDelivery(
  store: DynamoDbStore,
  options: { accountId: string; endpointId: string; eventId: string; at: Date },
): Promise<string> {
  const { accountId, endpointId, eventId, at } = options;
  const deliveryId = deliveryIdFor(accountId, eventId, endpointId);
  await saveClick(store, accountId, eventId, at);
  const created = await store.createDelivery(
    {
      deliveryId,
      accountId,
      endpointId,
      eventId,
      eventType: 'click',
      status: 'skipped',
      attemptCount: 0,
      reason: 'endpoint disabled',
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
    },
    at,
  );
  if (!created.created) throw new Error(`seed: delivery ${deliveryId} exists already`);
  return deliveryId;
}

async function saveClick(store: DynamoDbStore, accountId: string, eventId: string, at: Date): Promise<void> {
  await store.saveEvent(
    {
      accountId,
      eventId,
      eventType: 'click',
      timestamp: formatTimestamp(at),
      body: buildDeliveryBody('click', formatTimestamp(at), { ...EVENT_CATALOGUE.click.example, click_id: eventId }),
      receivedAt: at.toISOString(),
    },
    at,
  );
}

export async function seedDelivery(store: DynamoDbStore, options: SeedOptions): Promise<string> {
  const { accountId, endpointId, eventId, outcomes } = options;
  const deliveryId = deliveryIdFor(accountId, eventId, endpointId);
  const created = options.startAt.toISOString();
  await saveClick(store, accountId, eventId, options.startAt);
  const leaseUntil = new Date(options.startAt.getTime() + 60_000);
  await store.createDelivery(
    { deliveryId, accountId, endpointId, eventId, eventType: 'click', status: 'pending', attemptCount: 0, createdAt: created, updatedAt: created },
    options.startAt,
    { attempt: 1, leaseUntil },
  );
  for (const [index, outcome] of outcomes.entries()) {
    const number = index + 1;
    const at = new Date(options.startAt.getTime() + index * 60_000);
    if (number > 1 && !(await store.claimAttempt(deliveryId, number, at, new Date(at.getTime() + 60_000)))) {
      throw new Error(`seed: could not claim attempt ${number} of ${deliveryId}`);
    }
    const last = number === outcomes.length;
    const retryAt = last ? options.nextRetryAt : new Date(at.getTime() + 60_000);
    const pending = !last || options.final === 'pending';
    const attempt: Attempt = {
      deliveryId,
      accountId,
      endpointId,
      eventId,
      eventType: 'click',
      attempt: number,
      attemptedAt: at.toISOString(),
      outcome,
      latencyMs: 12,
      ...(outcome === 'failed' ? { statusCode: 500, errorClass: 'http_status' as const, errorMessage: 'HTTP 500' } : { statusCode: 200 }),
      responseExcerpt: outcome === 'failed' ? 'boom' : 'ok',
      ...(pending && retryAt ? { nextRetryAt: retryAt.toISOString() } : {}),
    };
    const status = pending ? 'pending' : outcome === 'succeeded' ? 'succeeded' : 'failed';
    const recorded = await store.recordAttempt(
      attempt,
      {
        status,
        ...(status === 'failed' ? { reason: `all ${number} attempts failed` } : {}),
        ...(pending && retryAt ? { nextAttemptAt: retryAt.toISOString() } : {}),
      },
      at,
    );
    if (!recorded) throw new Error(`seed: attempt ${number} of ${deliveryId} was not recorded`);
  }
  return deliveryId;
}
