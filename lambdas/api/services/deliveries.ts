// Delivery logs and redelivery. A redelivery keeps the delivery id: the finished delivery is
// reopened as pending and a retry message for attempt attemptCount+1 goes on the retry queue,
// so the dispatcher's own claim-and-record path makes the attempt (and retries it if it fails).
import {
  type DeliveryFilters,
  type DeliveryPage,
  type LoggedDelivery,
  matchesDeliveryFilters,
  MAX_DELIVERIES_READ_PER_REQUEST,
  MAX_PAGES_PER_REQUEST,
} from '../../adapters/management/delivery-log-store';
import { type AttemptPage, InvalidCursorError } from '../../adapters/management-store';
import type { RetryScheduler } from '../../delivery/ports';
import { deliveryIdFor } from '../../domain/ids';
import type { AttemptOutcome, Delivery } from '../../domain/model';
import { conflict, notFound } from '../errors';
import { endpointNotFound } from './endpoints';
import { mapLimited } from './map-limited';
import type { DeliveryRecords, EndpointRecords } from './ports';

export interface DeliveryLogServiceDeps {
  readonly store: { readonly endpoints: Pick<EndpointRecords, 'getEndpoint' | 'listEndpoints'>; readonly deliveries: DeliveryRecords };
  readonly retries: Pick<RetryScheduler, 'sendNow'>;
  readonly now: () => Date;
  readonly log: { warn(message: string, ...fields: Record<string, unknown>[]): void };
}

/** One recover call reopens at most this many deliveries and reads at most this many index entries of each kind. */
export const MAX_RECOVER_DELIVERIES = 500;
const MAX_RECOVER_LOG_ENTRIES = 5000;

/** How much one GET /v1/deliveries call reads at most (documented on the route). */
export { MAX_DELIVERIES_READ_PER_REQUEST, MAX_PAGES_PER_REQUEST };

export const deliveryNotFound = () => notFound('Delivery not found');

/** A delivery as recorded, or one whose first attempt is under way (logged, not recorded yet). */
export type DeliveryLookup = { readonly recorded: Delivery } | { readonly underWay: LoggedDelivery };

/**
 * How far back a first attempt under way can have been logged: a dispatcher invocation lasts at
 * most Lambda's 15 minutes, and a batch taken up again after a crash is logged anew.
 */
const FIRST_ATTEMPT_LOOKBACK_MS = 15 * 60_000;

export class DeliveryLogService {
  constructor(private readonly deps: DeliveryLogServiceDeps) {}

  async listForEndpoint(
    accountId: string,
    endpointId: string,
    options: { limit: number; cursor?: string; outcome?: AttemptOutcome },
  ): Promise<AttemptPage> {
    if (!(await this.deps.store.endpoints.getEndpoint(accountId, endpointId))) throw endpointNotFound();
    return this.deps.store.deliveries.listEndpointAttempts(accountId, endpointId, options);
  }

  /**
   * The account's deliveries across its endpoints, newest first (see DeliveryLogStore.listDeliveries
   * for the bounds per call). With an event id they are looked up directly instead: a delivery's id
   * derives from account, event and endpoint, so one BatchGetItem over the account's endpoints finds
   * the event at any age, where a log scan could take many calls to reach it.
   */
  async list(accountId: string, filters: DeliveryFilters & { eventId?: string }, options: { limit: number; cursor?: string }): Promise<DeliveryPage> {
    const { eventId, ...rest } = filters;
    if (eventId === undefined) return this.deps.store.deliveries.listDeliveries(accountId, rest, options);
    // A cursor is never issued for this one-page answer.
    if (options.cursor !== undefined) throw new InvalidCursorError();
    const endpointIds =
      rest.endpointId !== undefined ? [rest.endpointId] : (await this.deps.store.endpoints.listEndpoints(accountId)).map((endpoint) => endpoint.endpointId);
    const found = await this.deps.store.deliveries.getDeliveries(
      accountId,
      endpointIds.map((endpointId) => deliveryIdFor(accountId, eventId, endpointId)),
    );
    const items = found
      .filter((delivery) => delivery.eventId === eventId && matchesDeliveryFilters(delivery, rest))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.deliveryId.localeCompare(b.deliveryId));
    return { items };
  }

  /**
   * The delivery as recorded, or, between the dispatcher's log line and its record (a first attempt
   * under way: a receiver that looks its delivery id up at once), what the log says of it.
   */
  async get(accountId: string, deliveryId: string): Promise<DeliveryLookup> {
    const { deliveries } = this.deps.store;
    const delivery = await deliveries.getDelivery(accountId, deliveryId);
    if (delivery) return { recorded: delivery };
    const since = new Date(this.deps.now().getTime() - FIRST_ATTEMPT_LOOKBACK_MS);
    const logged = await deliveries.findLoggedDelivery(accountId, deliveryId, since);
    if (!logged) throw deliveryNotFound();
    return { underWay: logged };
  }

  async redeliver(accountId: string, deliveryId: string): Promise<{ deliveryId: string; attempt: number }> {
    const { store } = this.deps;
    const delivery = await store.deliveries.getDelivery(accountId, deliveryId);
    if (!delivery) throw deliveryNotFound();
    if (delivery.test) throw conflict('test_delivery', 'A test send cannot be redelivered; send a new test instead');
    await this.requireActiveEndpoint(accountId, delivery.endpointId, () =>
      conflict('endpoint_deleted', 'The endpoint of this delivery has been deleted'),
    );
    if (delivery.status === 'pending') throw deliveryInProgress();
    const [outcome] = await this.reopenAndQueue([delivery]);
    if (outcome === 'not_reopened') throw deliveryInProgress();
    if (outcome === 'unsent') throw new Error('SQS did not accept the redelivery message');
    return { deliveryId, attempt: delivery.attemptCount + 1 };
  }

  /**
   * Redelivers every delivery of the endpoint that failed with an attempt at or after `since`, or
   * was created since then and ended failed or skipped (skipped: sent while the endpoint was disabled).
   */
  async recover(accountId: string, endpointId: string, since: Date): Promise<{ redelivered: string[]; truncated: boolean }> {
    const { store } = this.deps;
    await this.requireActiveEndpoint(accountId, endpointId, endpointNotFound);
    const found = await store.deliveries.deliveryIdsSince(accountId, endpointId, since.toISOString(), MAX_RECOVER_LOG_ENTRIES);
    const closed = (await store.deliveries.getDeliveries(accountId, found.deliveryIds)).filter(
      (delivery) => (delivery.status === 'failed' || delivery.status === 'skipped') && delivery.endpointId === endpointId && !delivery.test,
    );
    // Oldest first, so the endpoint gets them in about the order the events happened.
    const candidates = closed
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.deliveryId.localeCompare(b.deliveryId));
    const chosen = candidates.slice(0, MAX_RECOVER_DELIVERIES);
    const queued = await this.reopenAndQueue(chosen);
    return {
      redelivered: chosen.filter((_, index) => queued[index] === 'queued').map((delivery) => delivery.deliveryId),
      truncated: found.truncated || candidates.length > chosen.length,
    };
  }

  private async requireActiveEndpoint(accountId: string, endpointId: string, whenMissing: () => Error): Promise<void> {
    const endpoint = await this.deps.store.endpoints.getEndpoint(accountId, endpointId);
    if (!endpoint) throw whenMissing();
    if (endpoint.status !== 'active') {
      throw conflict('endpoint_disabled', 'The endpoint is disabled; enable it (POST /v1/endpoints/{id}/enable) first');
    }
  }

  /**
   * Reopens each delivery, then sends the retry messages. A delivery whose message SQS did not
   * take is put back as it was, so it is never left pending with nothing to move it on.
   * Returns, per input delivery, what became of it.
   */
  private async reopenAndQueue(deliveries: readonly Delivery[]): Promise<('queued' | 'not_reopened' | 'unsent')[]> {
    const store = this.deps.store.deliveries;
    const at = this.deps.now().toISOString();
    const reopened = await mapLimited(deliveries, 10, (delivery) => store.reopenDelivery(delivery, at));
    const toSend = deliveries.filter((_, index) => reopened[index]);
    let unsent: Set<string>;
    try {
      unsent = new Set(
        await this.deps.retries.sendNow(
          toSend.map((delivery) => ({
            kind: 'retry',
            deliveryId: delivery.deliveryId,
            accountId: delivery.accountId,
            endpointId: delivery.endpointId,
            attempt: delivery.attemptCount + 1,
          })),
        ),
      );
    } catch (error) {
      await mapLimited(toSend, 10, (delivery) => store.restoreDelivery(delivery, at));
      throw error;
    }
    if (unsent.size > 0) {
      this.deps.log.warn('redelivery messages refused by SQS; deliveries restored', { count: unsent.size });
      await mapLimited(toSend.filter((delivery) => unsent.has(delivery.deliveryId)), 10, (delivery) => store.restoreDelivery(delivery, at));
    }
    return deliveries.map((delivery, index) =>
      reopened[index] !== true ? 'not_reopened' : unsent.has(delivery.deliveryId) ? 'unsent' : 'queued',
    );
  }
}

const deliveryInProgress = () => conflict('delivery_in_progress', 'The delivery is still in progress; wait for it to finish');
