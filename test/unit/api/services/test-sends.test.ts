// A test send is the attempt the dispatcher would make: for the same endpoint, delivery, attempt
// and time, both paths hand the sender the same URL, body and headers, byte for byte and in the
// same order, but for the test mark, and record the same attempt, but for the test flag.
import { TestSendService } from '../../../../lambdas/api/services/test-sends';
import { DeliveryService } from '../../../../lambdas/delivery/delivery-service';
import type { HttpSender, SendResult } from '../../../../lambdas/delivery/ports';
import { recordWaitLimitSeconds } from '../../../../lambdas/dispatcher/config';
import type { Delivery, Endpoint } from '../../../../lambdas/domain/model';
import { InMemoryDeliveryStore } from '../../../support/in-memory-delivery-store';

const NOW = new Date('2026-12-06T12:00:00.250Z');
const now = () => new Date(NOW);
const USER_AGENT = 'GeoRedir-Webhooks/test';
const ANSWER: SendResult = { outcome: 'succeeded', statusCode: 204, latencyMs: 7.4, responseExcerpt: '' };

/** An endpoint that exercises every header input: custom headers, a redacted field, a scheduled secret switch. */
const ENDPOINT: Endpoint = {
  accountId: 'acct_1',
  endpointId: 'ep_1',
  url: 'https://hooks.example.com/in',
  events: ['click'],
  status: 'active',
  secret: 'whsec_bmV3c2VjcmV0bmV3c2VjcmV0bmV3c2VjcmV0',
  previousSecret: { secret: 'whsec_b2xkc2VjcmV0b2xkc2VjcmV0b2xkc2VjcmV0', expiresAt: '2026-12-07T12:00:00Z' },
  secretActivatesAt: '2026-12-06T13:00:00Z',
  headers: { Authorization: 'Bearer token', 'X-Route': 'eu' },
  redact: ['ip'],
  consecutiveFailures: 0,
  provenAt: '2026-01-01T00:00:00Z',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

interface Sent {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function recordingSender(sent: Sent[]): HttpSender {
  return {
    send: async (url, headers, body) => (sent.push({ url, headers, body }), ANSWER),
    close: async () => undefined,
  };
}

/** The test send's request and the delivery it recorded. */
async function testSend(): Promise<{ request: Sent; recorded: Delivery }> {
  const sent: Sent[] = [];
  const recorded: Delivery[] = [];
  const service = new TestSendService({
    store: {
      endpoints: { getEndpoint: async () => ENDPOINT },
      rateLimits: { consumeRateLimit: async () => ({ allowed: true }) },
      deliveries: { recordTestSend: async (delivery) => void recorded.push(delivery) },
    },
    sender: recordingSender(sent),
    userAgent: USER_AGENT,
    testSendsPerMinute: 5,
    now,
  });
  await service.send(ENDPOINT.accountId, ENDPOINT.endpointId, 'click');
  expect(sent).toHaveLength(1);
  expect(recorded).toHaveLength(1);
  return { request: sent[0]!, recorded: recorded[0]! };
}

/** The dispatcher's attempt 1 of the same delivery, pending (as a first attempt deferred to the retry lane is made). */
async function dispatcherAttempt(delivery: Delivery): Promise<{ request: Sent; recorded: Delivery }> {
  const sent: Sent[] = [];
  const store = new InMemoryDeliveryStore();
  store.putEndpoint(ENDPOINT);
  const { test: _test, reason: _reason, ...rest } = delivery;
  store.deliveries.set(delivery.deliveryId, { ...rest, status: 'pending', attemptCount: 0, attempts: [] });
  const service = new DeliveryService({
    store,
    sender: recordingSender(sent),
    retries: { schedule: async () => undefined, sendNow: async () => [], cancel: async () => undefined },
    operationalEvents: { endpointDisabled: async () => undefined },
    retrySchedule: [60],
    eventSource: 'georedir',
    deliveryTimeoutMs: 30_000,
    recordWaitLimitSeconds: recordWaitLimitSeconds(30_000),
    userAgent: USER_AGENT,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    now,
  });
  const message = { kind: 'retry', deliveryId: delivery.deliveryId, accountId: delivery.accountId, endpointId: delivery.endpointId, attempt: 1 };
  expect(await service.handleBatch([{ id: 'm1', body: JSON.stringify(message) }])).toEqual([]);
  expect(sent).toHaveLength(1);
  return { request: sent[0]!, recorded: store.deliveries.get(delivery.deliveryId)! };
}

describe('a test send and the dispatcher build one attempt', () => {
  it('send the same headers for the same delivery, the test mark aside', async () => {
    const test = await testSend();
    const dispatched = await dispatcherAttempt(test.recorded);

    expect(dispatched.request.url).toBe(test.request.url);
    expect(dispatched.request.body).toBe(test.request.body);
    const { 'X-GeoRedir-Test': mark, ...testHeaders } = test.request.headers;
    expect(mark).toBe('true');
    // Entries, not objects: the order a receiver sees is the same too.
    expect(Object.entries(dispatched.request.headers)).toEqual(Object.entries(testHeaders));
    expect(JSON.stringify(dispatched.request.headers)).toBe(JSON.stringify(testHeaders));
  });

  it('record the same attempt, the test flag aside', async () => {
    const test = await testSend();
    const dispatched = await dispatcherAttempt(test.recorded);
    expect(test.recorded.attempts).toEqual([{ ...dispatched.recorded.attempts[0], test: true }]);
  });
});
