// `POST /v1/endpoints/{id}/test`: one signed sample event, sent now, marked X-GeoRedir-Test, and
// logged as a one-attempt delivery. It neither counts towards auto-disable nor is ever retried,
// and it works on a disabled endpoint, so a customer can check a fix before re-enabling.
import { randomBytes } from 'node:crypto';
import type { ManagementStore } from '../../adapters/management-store';
import type { HttpSender } from '../../delivery/ports';
import { attemptHeaders, attemptRecord, bodyFor } from '../../domain/delivery-request';
import { EVENT_CATALOGUE, type EventType, isEventType } from '../../domain/event-catalogue';
import { newId } from '../../domain/ids';
import type { Endpoint } from '../../domain/model';
import { buildDeliveryBody, formatTimestamp } from '../../domain/payload';
import { rateLimited } from '../errors';
import { endpointNotFound } from './endpoints';

export interface TestSendDeps {
  /** No wider than a test send's use, so it runs against a fake store in unit tests too. */
  readonly store: {
    readonly endpoints: Pick<ManagementStore['endpoints'], 'getEndpoint'>;
    readonly rateLimits: Pick<ManagementStore['rateLimits'], 'consumeRateLimit'>;
    readonly deliveries: Pick<ManagementStore['deliveries'], 'recordTestSend'>;
  };
  readonly sender: HttpSender;
  readonly userAgent: string;
  readonly testSendsPerMinute: number;
  readonly now: () => Date;
}

export interface TestSendResult {
  readonly deliveryId: string;
  readonly eventType: EventType;
  readonly succeeded: boolean;
  readonly statusCode?: number;
  readonly latencyMs: number;
  readonly responseExcerpt?: string;
  readonly errorClass?: string;
  readonly errorMessage?: string;
}

/** Test deliveries get ids of the same shape as real ones, but random: each test is its own delivery. */
function testDeliveryId(): string {
  return `dlv_${randomBytes(16).toString('hex')}`;
}

/** What a test sends unless told: an event the endpoint actually takes (its first listed type), click for `*`. */
export function defaultTestEvent(endpoint: Pick<Endpoint, 'events'>): EventType {
  return endpoint.events.find(isEventType) ?? 'click';
}

export class TestSendService {
  constructor(private readonly deps: TestSendDeps) {}

  async send(accountId: string, endpointId: string, requested: EventType | undefined): Promise<TestSendResult> {
    const { store, sender } = this.deps;
    const endpoint = await store.endpoints.getEndpoint(accountId, endpointId);
    if (!endpoint) throw endpointNotFound();
    const eventType = requested ?? defaultTestEvent(endpoint);
    const limit = await store.rateLimits.consumeRateLimit(`test-send#${accountId}#${endpointId}`, this.deps.testSendsPerMinute, 60, this.deps.now());
    if (!limit.allowed) {
      throw rateLimited(`At most ${this.deps.testSendsPerMinute} test sends per minute per endpoint`, limit.retryAfterSeconds);
    }

    const startedAt = this.deps.now();
    const deliveryId = testDeliveryId();
    // The sample goes out as the endpoint would get a real event: redacted, with its headers.
    const timestamp = formatTimestamp(startedAt);
    const data = EVENT_CATALOGUE[eventType].example;
    const body = bodyFor(endpoint, { eventType, timestamp, data, body: buildDeliveryBody(eventType, timestamp, data) });
    const headers = attemptHeaders(endpoint, { body, eventType, deliveryId, attempt: 1, at: startedAt, userAgent: this.deps.userAgent, test: true });
    const result = await sender.send(endpoint.url, headers, body);

    const attempt = attemptRecord({ deliveryId, accountId, endpointId, eventId: newId('test'), eventType }, 1, startedAt, result, { test: true });
    await store.deliveries.recordTestSend(
      {
        deliveryId,
        accountId,
        endpointId,
        eventId: attempt.eventId,
        eventType,
        status: attempt.outcome === 'succeeded' ? 'succeeded' : 'failed',
        ...(attempt.outcome === 'succeeded' ? {} : { reason: 'test send failed' }),
        attemptCount: 1,
        test: true,
        createdAt: attempt.attemptedAt,
        updatedAt: this.deps.now().toISOString(),
        body,
        attempts: [attempt],
      },
      this.deps.now(),
    );
    return {
      deliveryId,
      eventType,
      succeeded: result.outcome === 'succeeded',
      latencyMs: attempt.latencyMs,
      ...(attempt.statusCode === undefined ? {} : { statusCode: attempt.statusCode }),
      ...(attempt.responseExcerpt === undefined ? {} : { responseExcerpt: attempt.responseExcerpt }),
      ...(attempt.errorClass === undefined ? {} : { errorClass: attempt.errorClass }),
      ...(attempt.errorMessage === undefined ? {} : { errorMessage: attempt.errorMessage }),
    };
  }
}
