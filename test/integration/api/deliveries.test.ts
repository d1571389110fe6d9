// Test sends to real receivers, rotation seen by a receiver, the delivery log with paging,
// redelivery and recover onto the (local) dispatch queue, and retry schedules on delete.
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { retryScheduleName } from '../../../lambdas/domain/ids';
import { USER_AGENT } from '../../../lambdas/shared/version';
import { type Harness, type Receiver, RETRY_QUEUE, SCHEDULE_GROUP, startHarness, startReceiver } from './harness';
import { seedDelivery, seedSkippedDelivery } from './seed';

let h: Harness;
let apiKey: string;
let accountId: string;
const receivers: Receiver[] = [];

beforeAll(async () => {
  h = await startHarness({ env: { TEST_SENDS_PER_MINUTE: '3' } });
  ({ apiKey, accountId } = await h.newAccount({ maxEndpoints: 100 }));
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await h.close();
});

async function receiver(status = 200, body?: string): Promise<Receiver> {
  const started = await startReceiver(status, body);
  receivers.push(started);
  return started;
}

async function createEndpoint(url: string, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const answer = await h.request('POST', '/v1/endpoints', { apiKey, body: { url, events } });
  expect(answer.status).toBe(201);
  return answer.json;
}

let eventCounter = 0;
const nextEventId = () => `evt-${(eventCounter += 1)}-${Date.now()}`;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

describe('POST /v1/endpoints/{id}/test', () => {
  it('delivers a signed sample event marked as a test, answers with the outcome and logs it', async () => {
    const hook = await receiver(200, '{"received":true}');
    const { id, secret } = await createEndpoint(hook.url);
    const answer = await h.request('POST', `/v1/endpoints/${id}/test`, { apiKey, body: { event: 'conversion' } });

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ eventType: 'conversion', succeeded: true, statusCode: 200, responseExcerpt: '{"received":true}' });
    expect(answer.json.latencyMs).toEqual(expect.any(Number));
    expect(answer.json.deliveryId).toMatch(/^dlv_[0-9a-f]{32}$/);

    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/webhooks/georedir' });
    const headers = request!.headers;
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-georedir-test': 'true',
      'x-georedir-event': 'conversion',
      'x-georedir-delivery': answer.json.deliveryId,
      'x-georedir-attempt': '1',
      'webhook-id': answer.json.deliveryId,
    });
    expect(headers['x-georedir-signature']).toBe(createHmac('sha256', secret).update(request!.body).digest('hex'));
    const payload = JSON.parse(request!.body);
    expect(Object.keys(payload)).toEqual(['event', 'timestamp', 'data']);
    expect(payload.event).toBe('conversion');
    expect(payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(payload.data).toEqual(EVENT_CATALOGUE.conversion.example);
    expect(new Webhook(secret).verify(request!.body, headers as Record<string, string>)).toEqual(payload);

    const log = await h.request('GET', `/v1/endpoints/${id}/deliveries`, { apiKey });
    expect(log.json.data).toEqual([
      expect.objectContaining({ deliveryId: answer.json.deliveryId, eventType: 'conversion', attempt: 1, outcome: 'succeeded', statusCode: 200, test: true }),
    ]);
    const delivery = await h.request('GET', `/v1/deliveries/${answer.json.deliveryId}`, { apiKey });
    expect(delivery.json).toMatchObject({ id: answer.json.deliveryId, endpointId: id, status: 'succeeded', attemptCount: 1, test: true });
    expect(delivery.json.attempts).toHaveLength(1);
  });

  it('sends a click when no type is named, and reports a failing receiver without counting it against the endpoint', async () => {
    const hook = await receiver(500, 'database down');
    const { id } = await createEndpoint(hook.url);
    const answer = await h.request('POST', `/v1/endpoints/${id}/test`, { apiKey });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ eventType: 'click', succeeded: false, statusCode: 500, errorClass: 'http_status', responseExcerpt: 'database down' });
    expect(hook.requests[0]?.headers['x-georedir-event']).toBe('click');
    expect((await h.request('GET', `/v1/endpoints/${id}`, { apiKey })).json.consecutiveFailures).toBe(0);
  });

  it('sends the first type the endpoint subscribes to when no type is named', async () => {
    const hook = await receiver();
    const { id } = await createEndpoint(hook.url, ['conversion', 'click']);
    const answer = await h.request('POST', `/v1/endpoints/${id}/test`, { apiKey, body: {} });
    expect(answer.json).toMatchObject({ eventType: 'conversion', succeeded: true });
    expect(hook.requests[0]?.headers['x-georedir-event']).toBe('conversion');
    expect(JSON.parse(hook.requests[0]?.body ?? '{}').event).toBe('conversion');
    // A named type still wins, subscribed or not.
    expect((await h.request('POST', `/v1/endpoints/${id}/test`, { apiKey, body: { event: 'click' } })).json.eventType).toBe('click');
  });

  it('reports a receiver that is not listening', async () => {
    const hook = await receiver();
    await hook.close();
    const { id } = await createEndpoint(hook.url);
    const answer = await h.request('POST', `/v1/endpoints/${id}/test`, { apiKey, body: {} });
    expect(answer.json).toMatchObject({ succeeded: false, errorClass: 'connection_refused' });
    expect(answer.json).not.toHaveProperty('statusCode');
  });

  it('works on a disabled endpoint', async () => {
    const hook = await receiver();
    const { id } = await createEndpoint(hook.url);
    await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { status: 'disabled' } });
    expect((await h.request('POST', `/v1/endpoints/${id}/test`, { apiKey })).json.succeeded).toBe(true);
  });

  it('answers 400 for an unknown event type and 404 for an unknown endpoint', async () => {
    const hook = await receiver();
    const { id } = await createEndpoint(hook.url);
    const bad = await h.request('POST', `/v1/endpoints/${id}/test`, { apiKey, body: { event: 'purchase' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0]).toMatchObject({ location: 'body', field: 'event' });
    expect((await h.request('POST', '/v1/endpoints/ep_doesnotexist/test', { apiKey })).status).toBe(404);
    expect(hook.requests).toHaveLength(0);
  });

  it('answers 429 with Retry-After beyond the per-endpoint rate', async () => {
    const hook = await receiver();
    const { id } = await createEndpoint(hook.url);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    // Seven sends touch at most two one-minute windows of three each.
    for (let i = 0; i < 7; i += 1) {
      const answer = await h.request('POST', `/v1/endpoints/${id}/test`, { apiKey });
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(answer.json.error.code).toBe('rate_limited');
        retryAfter = answer.headers.get('retry-after');
      }
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect(hook.requests.length).toBe(statuses.filter((status) => status === 200).length);
  });
});

describe('secret rotation as a receiver sees it', () => {
  it('signs X-GeoRedir-Signature with the new secret and webhook-signature with both during the grace period', async () => {
    const hook = await receiver();
    const { id, secret: oldSecret } = await createEndpoint(hook.url);
    const rotated = await h.request('POST', `/v1/endpoints/${id}/rotate-secret`, { apiKey });
    const newSecret: string = rotated.json.secret;
    await h.request('POST', `/v1/endpoints/${id}/test`, { apiKey });

    const request = hook.requests[0]!;
    const headers = request.headers as Record<string, string>;
    expect(headers['x-georedir-signature']).toBe(createHmac('sha256', newSecret).update(request.body).digest('hex'));
    expect(headers['x-georedir-signature']).not.toBe(createHmac('sha256', oldSecret).update(request.body).digest('hex'));
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    // A receiver still configured with the old secret keeps verifying, as does one with the new.
    expect(() => new Webhook(oldSecret).verify(request.body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(request.body, headers)).not.toThrow();
  });
});

describe('GET /v1/endpoints/{id}/deliveries', () => {
  let endpointId: string;
  const seeded: string[] = [];

  beforeAll(async () => {
    ({ id: endpointId } = await createEndpoint('http://127.0.0.1:9/log'));
    // 12 deliveries: even ones succeed at once, odd ones fail twice and then succeed (3 attempts).
    for (let i = 0; i < 12; i += 1) {
      seeded.push(
        await seedDelivery(h.dispatcherStore, {
          accountId,
          endpointId,
          eventId: nextEventId(),
          outcomes: i % 2 === 0 ? ['succeeded'] : ['failed', 'failed', 'succeeded'],
          startAt: minutesAgo(100 - i * 5),
        }),
      );
    }
  });

  async function readAll(query: string): Promise<{ pages: number; items: { attemptedAt: string; deliveryId: string; attempt: number; outcome: string }[] }> {
    const items = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const suffix: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const answer = await h.request('GET', `/v1/endpoints/${endpointId}/deliveries?${query}${suffix}`, { apiKey });
      expect(answer.status).toBe(200);
      items.push(...answer.json.data);
      cursor = answer.json.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 20);
    return { pages, items };
  }

  it('pages through every attempt, newest first, without repeats', async () => {
    const { pages, items } = await readAll('limit=5');
    expect(items).toHaveLength(6 + 6 * 3);
    expect(pages).toBe(5);
    const times = items.map((item) => item.attemptedAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(new Set(items.map((item) => `${item.deliveryId}#${item.attempt}`)).size).toBe(items.length);
    expect(new Set(items.map((item) => item.deliveryId))).toEqual(new Set(seeded));
  });

  it('filters by outcome, across pages', async () => {
    const { items } = await readAll('status=failed&limit=4');
    expect(items).toHaveLength(12);
    expect(items.every((item) => item.outcome === 'failed')).toBe(true);
    const first = await h.request('GET', `/v1/endpoints/${endpointId}/deliveries?status=succeeded&limit=100`, { apiKey });
    expect(first.json.data).toHaveLength(12);
    expect(first.json.nextCursor).toBeNull();
  });

  it('answers 400 for bad paging parameters and a cursor of another log', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['status=pending', 'status'],
      ['order=asc', 'order'],
    ]) {
      const answer = await h.request('GET', `/v1/endpoints/${endpointId}/deliveries?${query}`, { apiKey });
      expect({ query, status: answer.status, detail: answer.json.error.details[0] }).toEqual({
        query,
        status: 400,
        detail: expect.objectContaining({ location: 'query', field }),
      });
    }
    const garbage = await h.request('GET', `/v1/endpoints/${endpointId}/deliveries?cursor=not-a-cursor`, { apiKey });
    expect(garbage.json.error.code).toBe('invalid_cursor');

    const { id: other } = await createEndpoint('http://127.0.0.1:9/other');
    await seedDelivery(h.dispatcherStore, { accountId, endpointId: other, eventId: nextEventId(), outcomes: ['succeeded'], startAt: minutesAgo(3) });
    await seedDelivery(h.dispatcherStore, { accountId, endpointId: other, eventId: nextEventId(), outcomes: ['succeeded'], startAt: minutesAgo(2) });
    const otherPage = await h.request('GET', `/v1/endpoints/${other}/deliveries?limit=1`, { apiKey });
    expect(otherPage.json.nextCursor).toEqual(expect.any(String));
    const crossed = await h.request('GET', `/v1/endpoints/${endpointId}/deliveries?cursor=${encodeURIComponent(otherPage.json.nextCursor)}`, { apiKey });
    expect(crossed.status).toBe(400);
    expect(crossed.json.error.code).toBe('invalid_cursor');

    // Cursors are signed: any edit, to the position or to the signature, is refused, never a 500.
    const [payload = '', signature = ''] = String(otherPage.json.nextCursor).split('.');
    const position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edits = [
      `${Buffer.from(JSON.stringify({ ...position, position: '' }), 'utf8').toString('base64url')}.${signature}`,
      `${Buffer.from(JSON.stringify({ ...position, shard: 99 }), 'utf8').toString('base64url')}.${signature}`,
      `${payload}.${signature.slice(0, -2)}AA`,
      `${payload}.`,
      `${payload}.${signature}.extra`,
      '.',
    ];
    for (const cursor of edits) {
      const edited = await h.request('GET', `/v1/endpoints/${other}/deliveries?cursor=${encodeURIComponent(cursor)}`, { apiKey });
      expect({ cursor, status: edited.status, code: edited.json.error.code }).toEqual({ cursor, status: 400, code: 'invalid_cursor' });
    }
  });
});

describe('GET /v1/deliveries/{id}', () => {
  it('shows the delivery, every attempt oldest first, and the payload sent', async () => {
    const { id: endpointId } = await createEndpoint('http://127.0.0.1:9/one');
    const eventId = nextEventId();
    const deliveryId = await seedDelivery(h.dispatcherStore, { accountId, endpointId, eventId, outcomes: ['failed', 'succeeded'], startAt: minutesAgo(10) });
    const answer = await h.request('GET', `/v1/deliveries/${deliveryId}`, { apiKey });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: deliveryId, endpointId, eventId, eventType: 'click', status: 'succeeded', attemptCount: 2 });
    expect(answer.json.attempts.map((attempt: { attempt: number; outcome: string }) => [attempt.attempt, attempt.outcome])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(answer.json.attempts[0]).toMatchObject({ statusCode: 500, errorClass: 'http_status', responseExcerpt: 'boom' });
    expect(answer.json.payload).toMatchObject({ event: 'click', data: { click_id: eventId } });
    expect((await h.request('GET', '/v1/deliveries/dlv_00000000000000000000000000000000', { apiKey })).status).toBe(404);
  });

  it('answers pending, from the log line, for a delivery whose first attempt is under way; only to its own account and only recently', async () => {
    const { id: endpointId } = await createEndpoint('http://127.0.0.1:9/under-way');
    // What the dispatcher writes before it sends: the batch's log line. The delivery is recorded after the attempt.
    const logged = (deliveryId: string, at: Date) =>
      h.dispatcherStore.appendLog(accountId, [{ deliveryId, endpointId, eventType: 'conversion', attempt: 1, created: true }], at);
    const now = new Date();
    await logged('dlv_underway0000000000000000000001', now);
    const answer = await h.request('GET', '/v1/deliveries/dlv_underway0000000000000000000001', { apiKey });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      id: 'dlv_underway0000000000000000000001',
      endpointId,
      eventType: 'conversion',
      status: 'pending',
      attemptCount: 0,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      attempts: [],
    });

    const other = await h.newAccount();
    expect((await h.request('GET', '/v1/deliveries/dlv_underway0000000000000000000001', { apiKey: other.apiKey })).status).toBe(404);
    // Logged longer ago than any dispatcher invocation lasts: never recorded, so not under way either.
    await logged('dlv_underway0000000000000000000002', minutesAgo(16));
    expect((await h.request('GET', '/v1/deliveries/dlv_underway0000000000000000000002', { apiKey })).status).toBe(404);
    // A retry's line (not "created") says nothing of a delivery that was never recorded.
    await h.dispatcherStore.appendLog(accountId, [{ deliveryId: 'dlv_underway0000000000000000000003', endpointId, eventType: 'click', attempt: 2, created: false }], now);
    expect((await h.request('GET', '/v1/deliveries/dlv_underway0000000000000000000003', { apiKey })).status).toBe(404);
  });
});

describe('POST /v1/deliveries/{id}/redeliver', () => {
  const retryMessagesFor = (deliveryId: string) =>
    h.retryMessages().filter((message) => (message as { deliveryId?: string }).deliveryId === deliveryId);

  it('reopens a failed delivery under the same id and queues the next attempt for the dispatcher', async () => {
    const { id: endpointId } = await createEndpoint('http://127.0.0.1:9/re');
    const deliveryId = await seedDelivery(h.dispatcherStore, { accountId, endpointId, eventId: nextEventId(), outcomes: ['failed', 'failed', 'failed'], startAt: minutesAgo(30) });
    const answer = await h.request('POST', `/v1/deliveries/${deliveryId}/redeliver`, { apiKey });
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ id: deliveryId, status: 'pending', attempt: 4 });
    expect(retryMessagesFor(deliveryId)).toEqual([{ kind: 'retry', deliveryId, accountId, endpointId, attempt: 4 }]);

    const delivery = await h.request('GET', `/v1/deliveries/${deliveryId}`, { apiKey });
    expect(delivery.json).toMatchObject({ status: 'pending', attemptCount: 3 });
    expect(delivery.json).not.toHaveProperty('reason');

    const again = await h.request('POST', `/v1/deliveries/${deliveryId}/redeliver`, { apiKey });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('delivery_in_progress');
    expect(retryMessagesFor(deliveryId)).toHaveLength(1);

    // The dispatcher's own path takes it from here: attempt 4 can be claimed, attempt 5 cannot.
    const now = new Date();
    expect(await h.dispatcherStore.claimAttempt(deliveryId, { attempt: 5, leaseUntil: new Date(now.getTime() + 60_000) }, now)).toBe(false);
    expect(await h.dispatcherStore.claimAttempt(deliveryId, { attempt: 4, leaseUntil: new Date(now.getTime() + 60_000) }, now)).toBe(true);
  });

  it('redelivers a succeeded delivery too, once per Idempotency-Key', async () => {
    const { id: endpointId } = await createEndpoint('http://127.0.0.1:9/ok');
    const deliveryId = await seedDelivery(h.dispatcherStore, { accountId, endpointId, eventId: nextEventId(), outcomes: ['succeeded'], startAt: minutesAgo(5) });
    const headers = { 'idempotency-key': `redeliver-${deliveryId}` };
    const first = await h.request('POST', `/v1/deliveries/${deliveryId}/redeliver`, { apiKey, headers });
    const second = await h.request('POST', `/v1/deliveries/${deliveryId}/redeliver`, { apiKey, headers });
    expect(first.json).toEqual({ id: deliveryId, status: 'pending', attempt: 2 });
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(retryMessagesFor(deliveryId)).toHaveLength(1);
  });

  it('answers 409 while the endpoint is disabled or after it was deleted, and for a test send', async () => {
    const { id: endpointId } = await createEndpoint('http://127.0.0.1:9/off');
    const deliveryId = await seedDelivery(h.dispatcherStore, { accountId, endpointId, eventId: nextEventId(), outcomes: ['failed'], startAt: minutesAgo(5) });
    await h.request('PATCH', `/v1/endpoints/${endpointId}`, { apiKey, body: { status: 'disabled' } });
    const disabled = await h.request('POST', `/v1/deliveries/${deliveryId}/redeliver`, { apiKey });
    expect(disabled.status).toBe(409);
    expect(disabled.json.error.code).toBe('endpoint_disabled');

    await h.request('DELETE', `/v1/endpoints/${endpointId}`, { apiKey });
    const deleted = await h.request('POST', `/v1/deliveries/${deliveryId}/redeliver`, { apiKey });
    expect(deleted.status).toBe(409);
    expect(deleted.json.error.code).toBe('endpoint_deleted');
    expect(retryMessagesFor(deliveryId)).toHaveLength(0);
    // The log outlives the endpoint.
    expect((await h.request('GET', `/v1/deliveries/${deliveryId}`, { apiKey })).status).toBe(200);

    const hook = await receiver();
    const { id: testEndpoint } = await createEndpoint(hook.url);
    const test = await h.request('POST', `/v1/endpoints/${testEndpoint}/test`, { apiKey });
    const redeliverTest = await h.request('POST', `/v1/deliveries/${test.json.deliveryId}/redeliver`, { apiKey });
    expect(redeliverTest.status).toBe(409);
    expect(redeliverTest.json.error.code).toBe('test_delivery');
  });

  it('answers 404 for an unknown delivery', async () => {
    const answer = await h.request('POST', '/v1/deliveries/dlv_ffffffffffffffffffffffffffffffff/redeliver', { apiKey });
    expect(answer.status).toBe(404);
    expect(answer.json.error).toEqual({ code: 'not_found', message: 'Delivery not found' });
  });
});

describe('POST /v1/endpoints/{id}/recover', () => {
  it('redelivers exactly the failed deliveries with failures since the given time', async () => {
    const { id: endpointId } = await createEndpoint('http://127.0.0.1:9/recover');
    const seed = (outcomes: ('failed' | 'succeeded')[], minutes: number, final?: 'pending') =>
      seedDelivery(h.dispatcherStore, { accountId, endpointId, eventId: nextEventId(), outcomes, startAt: minutesAgo(minutes), ...(final ? { final, nextRetryAt: new Date(Date.now() + 600_000) } : {}) });
    const oldFailure = await seed(['failed'], 120);
    const recentFailures = [await seed(['failed', 'failed'], 50), await seed(['failed'], 20)];
    const succeeded = await seed(['failed', 'succeeded'], 40);
    const pending = await seed(['failed'], 30, 'pending');

    const since = minutesAgo(60).toISOString();
    const answer = await h.request('POST', `/v1/endpoints/${endpointId}/recover`, { apiKey, body: { since } });
    expect(answer.status).toBe(202);
    expect(answer.json.since).toBe(since);
    expect(answer.json.truncated).toBe(false);
    expect([...answer.json.redelivered].sort()).toEqual([...recentFailures].sort());

    const queued = h.retryMessages().filter((message) => [oldFailure, ...recentFailures, succeeded, pending].includes((message as { deliveryId: string }).deliveryId));
    expect(queued).toEqual(
      expect.arrayContaining([
        { kind: 'retry', deliveryId: recentFailures[0], accountId, endpointId, attempt: 3 },
        { kind: 'retry', deliveryId: recentFailures[1], accountId, endpointId, attempt: 2 },
      ]),
    );
    expect(queued).toHaveLength(2);

    // A second call finds nothing new: the recovered ones are pending now.
    const again = await h.request('POST', `/v1/endpoints/${endpointId}/recover`, { apiKey, body: { since } });
    expect(again.json.redelivered).toEqual([]);
  });

  it('also redelivers deliveries skipped while the endpoint was disabled, created since the given time', async () => {
    const { id: endpointId } = await createEndpoint('http://127.0.0.1:9/recover-skipped');
    const { id: otherEndpointId } = await createEndpoint('http://127.0.0.1:9/recover-skipped-other');
    const skip = (onEndpoint: string, minutes: number) =>
      seedSkippedDelivery(h.dispatcherStore, { accountId, endpointId: onEndpoint, eventId: nextEventId(), at: minutesAgo(minutes) });
    const oldSkipped = await skip(endpointId, 120);
    const recentSkipped = [await skip(endpointId, 45), await skip(endpointId, 15)];
    const otherEndpoints = await skip(otherEndpointId, 30);

    const since = minutesAgo(60).toISOString();
    const answer = await h.request('POST', `/v1/endpoints/${endpointId}/recover`, { apiKey, body: { since } });
    expect(answer.status).toBe(202);
    // Oldest first.
    expect(answer.json).toEqual({ since, redelivered: recentSkipped, truncated: false });
    const queued = h.retryMessages().filter((message) =>
      [oldSkipped, ...recentSkipped, otherEndpoints].includes((message as { deliveryId: string }).deliveryId),
    );
    expect(queued).toEqual(recentSkipped.map((deliveryId) => ({ kind: 'retry', deliveryId, accountId, endpointId, attempt: 1 })));
    for (const deliveryId of recentSkipped) {
      expect(await h.store.deliveries.getDelivery(accountId, deliveryId)).toMatchObject({ status: 'pending', attemptCount: 0, retryScheduledFor: 1 });
    }
    expect(await h.store.deliveries.getDelivery(accountId, oldSkipped)).toMatchObject({ status: 'skipped', reason: 'endpoint disabled' });
    expect(await h.store.deliveries.getDelivery(accountId, otherEndpoints)).toMatchObject({ status: 'skipped' });
  });

  it('answers 400 without a valid since and 409 while the endpoint is disabled', async () => {
    const { id: endpointId } = await createEndpoint('http://127.0.0.1:9/recover-off');
    for (const body of [{}, { since: 'yesterday' }]) {
      const answer = await h.request('POST', `/v1/endpoints/${endpointId}/recover`, { apiKey, body });
      expect(answer.status).toBe(400);
      expect(answer.json.error.details[0]).toMatchObject({ location: 'body', field: 'since' });
    }
    await h.request('PATCH', `/v1/endpoints/${endpointId}`, { apiKey, body: { status: 'disabled' } });
    const disabled = await h.request('POST', `/v1/endpoints/${endpointId}/recover`, { apiKey, body: { since: minutesAgo(60).toISOString() } });
    expect(disabled.status).toBe(409);
    expect(disabled.json.error.code).toBe('endpoint_disabled');
  });
});

describe('DELETE /v1/endpoints/{id} and waiting retries', () => {
  it("deletes the endpoint's retry schedules in Scheduler and leaves others alone", async () => {
    const { id: endpointId } = await createEndpoint('http://127.0.0.1:9/gone');
    const retryAt = new Date(Date.now() + 2 * 3600_000);
    const deliveryId = await seedDelivery(h.dispatcherStore, {
      accountId,
      endpointId,
      eventId: nextEventId(),
      outcomes: ['failed', 'failed', 'failed', 'failed'],
      final: 'pending',
      startAt: minutesAgo(6),
      nextRetryAt: retryAt,
    });
    const at = `at(${retryAt.toISOString().slice(0, 19)})`;
    const target = { Arn: h.aws.sqs.queueArn(RETRY_QUEUE), RoleArn: 'arn:aws:iam::000000000000:role/scheduler', Input: '{}' };
    const ours = retryScheduleName(deliveryId, 5);
    const unrelated = retryScheduleName('dlv_0123456789abcdef0123456789abcdef', 5);
    for (const name of [ours, unrelated]) {
      h.aws.scheduler.createSchedule({ Name: name, GroupName: SCHEDULE_GROUP, ScheduleExpression: at, FlexibleTimeWindow: { Mode: 'OFF' }, Target: target, ActionAfterCompletion: 'DELETE' });
    }

    expect((await h.request('DELETE', `/v1/endpoints/${endpointId}`, { apiKey })).status).toBe(204);
    expect(h.aws.scheduler.listSchedules({ groupName: SCHEDULE_GROUP }).map((schedule) => schedule.name)).toEqual([unrelated]);
  });
});
