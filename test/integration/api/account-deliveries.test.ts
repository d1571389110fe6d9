// GET /v1/deliveries: the account's deliveries across its endpoints, newest first, from log pages
// written as the dispatcher writes them (seed.ts), with every filter, paging, the per-call bounds,
// and bad input.
import { deliveryIdFor } from '../../../lambdas/domain/ids';
import { MAX_DELIVERIES_READ_PER_REQUEST } from '../../../lambdas/adapters/management/delivery-log-store';
import { type Harness, type Receiver, startHarness, startReceiver } from './harness';
import { seedDelivery, seedSkippedDelivery } from './seed';
import { createDelivery } from '../../support/create-delivery';

let h: Harness;
let receiver: Receiver;
let apiKey: string;
let accountId: string;
let first: string;
let second: string;
/** Delivery ids by name, oldest seeded first. */
const ids: Record<string, string> = {};
let testSendId: string;

const base = Date.parse('2026-11-20T10:00:00.000Z');
const at = (minutes: number) => new Date(base + minutes * 60_000);

beforeAll(async () => {
  h = await startHarness();
  receiver = await startReceiver();
  ({ apiKey, accountId } = await h.newAccount());
  first = (await h.request('POST', '/v1/endpoints', { apiKey, body: { url: receiver.url, events: ['*'] } })).json.id;
  second = (await h.request('POST', '/v1/endpoints', { apiKey, body: { url: receiver.url, events: ['click', 'conversion'] } })).json.id;
  const store = h.dispatcherStore;
  ids.okFirst = await seedDelivery(store, { accountId, endpointId: first, eventId: 'evt-a', outcomes: ['succeeded'], startAt: at(0) });
  ids.failedSecond = await seedDelivery(store, { accountId, endpointId: second, eventId: 'evt-b', outcomes: ['failed', 'failed'], startAt: at(10) });
  ids.pendingFirst = await seedDelivery(store, {
    accountId,
    endpointId: first,
    eventId: 'evt-c',
    eventType: 'conversion',
    outcomes: ['failed'],
    final: 'pending',
    startAt: at(20),
    nextRetryAt: at(25),
  });
  ids.skippedSecond = await seedSkippedDelivery(store, { accountId, endpointId: second, eventId: 'evt-d', at: at(30) });
  ids.okSecond = await seedDelivery(store, { accountId, endpointId: second, eventId: 'evt-a', outcomes: ['succeeded'], startAt: at(40) });
  testSendId = (await h.request('POST', `/v1/endpoints/${second}/test`, { apiKey, body: { event: 'conversion' } })).json.deliveryId;
});
afterAll(async () => {
  await receiver.close();
  await h.close();
});

const list = async (query = '', key = apiKey) => h.request('GET', `/v1/deliveries${query}`, { apiKey: key });
const listIds = async (query = '') => {
  const answer = await list(query);
  expect(answer.status).toBe(200);
  return answer.json.data.map((delivery: { id: string }) => delivery.id);
};

describe('GET /v1/deliveries', () => {
  it('lists every delivery of every endpoint newest first, skipped and test sends included, as summaries', async () => {
    const answer = await list();
    expect(answer.status).toBe(200);
    expect(answer.json.nextCursor).toBeNull();
    expect(answer.json.data.map((delivery: { id: string }) => delivery.id)).toEqual([
      testSendId,
      ids.okSecond,
      ids.skippedSecond,
      ids.pendingFirst,
      ids.failedSecond,
      ids.okFirst,
    ]);
    const byId = Object.fromEntries(answer.json.data.map((delivery: { id: string }) => [delivery.id, delivery]));
    expect(byId[ids.failedSecond!]).toEqual({
      id: ids.failedSecond,
      endpointId: second,
      eventId: 'evt-b',
      eventType: 'click',
      status: 'failed',
      attemptCount: 2,
      reason: 'all 2 attempts failed',
      createdAt: at(10).toISOString(),
      updatedAt: at(11).toISOString(),
      lastAttempt: { attempt: 2, attemptedAt: at(11).toISOString(), outcome: 'failed', statusCode: 500, errorClass: 'http_status', latencyMs: 12 },
    });
    expect(byId[ids.pendingFirst!]).toMatchObject({ status: 'pending', eventType: 'conversion', nextAttemptAt: at(25).toISOString(), lastAttempt: { attempt: 1, outcome: 'failed' } });
    expect(byId[ids.skippedSecond!]).toMatchObject({ status: 'skipped', attemptCount: 0, reason: 'endpoint disabled' });
    expect(byId[ids.skippedSecond!]).not.toHaveProperty('lastAttempt');
    expect(byId[testSendId]).toMatchObject({ status: 'succeeded', test: true, eventType: 'conversion', lastAttempt: { statusCode: 200, outcome: 'succeeded' } });
    // Summaries only: no payload, no attempt list, no response bodies.
    expect(answer.text).not.toMatch(/"payload"|"attempts"|responseExcerpt|"body"/);
  });

  it('pages with signed cursors, each delivery once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const answer = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(answer.status).toBe(200);
      expect(answer.json.data.length).toBeLessThanOrEqual(2);
      seen.push(...answer.json.data.map((delivery: { id: string }) => delivery.id));
      cursor = answer.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(await listIds());
  });

  it.each([
    ['status=pending', () => [ids.pendingFirst]],
    ['status=succeeded', () => [testSendId, ids.okSecond, ids.okFirst]],
    ['status=failed', () => [ids.failedSecond]],
    ['status=skipped', () => [ids.skippedSecond]],
    ['endpoint=FIRST', () => [ids.pendingFirst, ids.okFirst]],
    ['endpoint=SECOND&status=succeeded', () => [testSendId, ids.okSecond]],
    ['event=conversion', () => [testSendId, ids.pendingFirst]],
    ['event=click&endpoint=SECOND', () => [ids.okSecond, ids.skippedSecond, ids.failedSecond]],
    ['event=link.deleted', () => []],
    ['since=2026-11-20T10:10:00Z&until=2026-11-20T10:30:00Z', () => [ids.skippedSecond, ids.pendingFirst, ids.failedSecond]],
    ['since=2026-11-20T11:10:00%2B01:00&until=2026-11-20T11:30:00%2B01:00', () => [ids.skippedSecond, ids.pendingFirst, ids.failedSecond]],
    ['until=2026-11-20T10:09:59.999Z', () => [ids.okFirst]],
    ['since=2026-11-20T10:40:00.001Z&status=succeeded', () => [testSendId]],
    ['event_id=evt-a', () => [ids.okSecond, ids.okFirst]],
    ['event_id=evt-a&endpoint=FIRST', () => [ids.okFirst]],
    ['event_id=evt-a&status=failed', () => []],
    ['event_id=evt-nothing', () => []],
  ])('filters %s', async (query, expected) => {
    expect(await listIds(`?${query.replace('FIRST', first).replace('SECOND', second)}`)).toEqual(expected());
  });

  it('answers an event id lookup in one page, without a cursor', async () => {
    const answer = await list('?event_id=evt-a&limit=1');
    expect(answer.json.nextCursor).toBeNull();
    expect(answer.json.data.map((delivery: { id: string }) => delivery.id)).toEqual([deliveryIdFor(accountId, 'evt-a', second), deliveryIdFor(accountId, 'evt-a', first)]);
  });

  it('lists a delivery once even when a later copy of its event logged it as created again', async () => {
    const { accountId: other, apiKey: otherKey } = await h.newAccount();
    const endpoint = (await h.request('POST', '/v1/endpoints', { apiKey: otherKey, body: { url: receiver.url, events: ['*'] } })).json.id;
    const id = await seedDelivery(h.dispatcherStore, { accountId: other, endpointId: endpoint, eventId: 'evt-copy', outcomes: ['succeeded'], startAt: at(0) });
    await h.dispatcherStore.appendLog(other, [{ deliveryId: id, endpointId: endpoint, eventType: 'click', attempt: 1, created: true }], at(60));
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const answer = await list(`?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, otherKey);
      pages.push(...answer.json.data.map((delivery: { id: string }) => delivery.id));
      cursor = answer.json.nextCursor;
    } while (cursor);
    expect(pages).toEqual([id]);
  });

  it.each([
    ['status=done', 'status'],
    ['event=purchase', 'event'],
    ['endpoint=a%20b', 'endpoint'],
    ['event_id=', 'event_id'],
    ['since=yesterday', 'since'],
    ['since=2026-11-20T10:30:00Z&until=2026-11-20T10:00:00Z', 'since'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['page=2', 'page'],
  ])('answers 400 validation_failed naming the field for %s', async (query, field) => {
    const answer = await list(`?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('validation_failed');
    expect(answer.json.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ location: 'query', field })]));
  });

  it('answers 400 invalid_cursor to an edited cursor, a cursor of other filters, and a cursor with event_id', async () => {
    const page = await list('?limit=1');
    const cursor: string = page.json.nextCursor;
    const [payload = '', signature = ''] = cursor.split('.');
    const position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const edited = `${Buffer.from(JSON.stringify({ ...position, index: position.index + 1 })).toString('base64url')}.${signature}`;
    for (const query of [`?cursor=${edited}`, `?cursor=${cursor}x`, `?status=failed&cursor=${cursor}`, `?endpoint=${first}&cursor=${cursor}`, `?event_id=evt-a&cursor=${cursor}`]) {
      const answer = await list(query);
      expect({ query, status: answer.status, code: answer.json.error?.code }).toEqual({ query, status: 400, code: 'invalid_cursor' });
    }
  });

  it("never shows another account's deliveries: its endpoint, event id or cursor", async () => {
    const other = await h.newAccount();
    const otherEndpoint = (await h.request('POST', '/v1/endpoints', { apiKey: other.apiKey, body: { url: receiver.url, events: ['*'] } })).json.id;
    const otherDelivery = await seedDelivery(h.dispatcherStore, { accountId: other.accountId, endpointId: otherEndpoint, eventId: 'evt-secret', outcomes: ['succeeded'], startAt: at(5) });
    for (const query of ['', `?endpoint=${otherEndpoint}`, '?event_id=evt-secret', `?event_id=evt-secret&endpoint=${otherEndpoint}`]) {
      const answer = await list(query);
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(otherDelivery);
      expect(answer.text).not.toContain(otherEndpoint);
    }
    expect(await listIds(`?endpoint=${otherEndpoint}`)).toEqual([]);
    const cursorOfOther = (await list('?limit=1', other.apiKey)).json;
    expect(cursorOfOther.data.map((delivery: { id: string }) => delivery.id)).toEqual([otherDelivery]);
    // Another account's cursor (it has one more page only if it had more; make one that exists).
    await seedDelivery(h.dispatcherStore, { accountId: other.accountId, endpointId: otherEndpoint, eventId: 'evt-secret-2', outcomes: ['succeeded'], startAt: at(6) });
    const withCursor = await list('?limit=1', other.apiKey);
    const answer = await list(`?limit=1&cursor=${encodeURIComponent(withCursor.json.nextCursor)}`);
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('invalid_cursor');
  });

  it("points the endpoint's attempt log, whose status is an attempt outcome, here for pending and skipped", async () => {
    const answer = await h.request('GET', `/v1/endpoints/${second}/deliveries?status=skipped`, { apiKey });
    expect(answer.status).toBe(400);
    expect(answer.json.error.details).toEqual([
      {
        location: 'query',
        field: 'status',
        message: 'an attempt either succeeded or failed; for pending or skipped deliveries use GET /v1/deliveries?endpoint=<id>&status=...',
      },
    ]);
    expect(await listIds(`?endpoint=${second}&status=skipped`)).toEqual([ids.skippedSecond]);
  });

  it('needs a credential', async () => {
    expect((await h.request('GET', '/v1/deliveries')).status).toBe(401);
  });
});

describe('GET /v1/deliveries work per call', () => {
  it('reads at most 40 log pages per call: a rare status comes back over several short pages with cursors', async () => {
    const { accountId: busy, apiKey: busyKey } = await h.newAccount();
    const endpoint = (await h.request('POST', '/v1/endpoints', { apiKey: busyKey, body: { url: receiver.url, events: ['*'] } })).json.id;
    const failed = await seedDelivery(h.dispatcherStore, { accountId: busy, endpointId: endpoint, eventId: 'evt-old-failure', outcomes: ['failed'], startAt: at(0) });
    // 60 later batches, one succeeded delivery each: more log pages than one call reads.
    for (let batch = 0; batch < 60; batch += 1) {
      await seedDelivery(h.dispatcherStore, { accountId: busy, endpointId: endpoint, eventId: `evt-ok-${batch}`, outcomes: ['succeeded'], startAt: at(10 + batch) });
    }
    const firstCall = await list('?status=failed', busyKey);
    expect(firstCall.json).toEqual({ data: [], nextCursor: expect.any(String) });
    const secondCall = await list(`?status=failed&cursor=${encodeURIComponent(firstCall.json.nextCursor)}`, busyKey);
    expect(secondCall.json.data.map((delivery: { id: string }) => delivery.id)).toEqual([failed]);
    expect(secondCall.json.nextCursor).toBeNull();
  });

  it(`reads at most ${MAX_DELIVERIES_READ_PER_REQUEST} deliveries per call, then answers a cursor`, async () => {
    const { accountId: busy, apiKey: busyKey } = await h.newAccount();
    const endpoint = (await h.request('POST', '/v1/endpoints', { apiKey: busyKey, body: { url: receiver.url, events: ['*'] } })).json.id;
    const failed = await seedDelivery(h.dispatcherStore, { accountId: busy, endpointId: endpoint, eventId: 'evt-rare', outcomes: ['failed'], startAt: at(0) });
    // Big batches: few log pages, many deliveries, none failed.
    const total = MAX_DELIVERIES_READ_PER_REQUEST + 20;
    const perPage = 100;
    for (let start = 0; start < total; start += perPage) {
      const pageAt = at(10 + start / perPage);
      const deliveries = Array.from({ length: Math.min(perPage, total - start) }, (_, index) => {
        const eventId = `evt-bulk-${start + index}`;
        return {
          deliveryId: deliveryIdFor(busy, eventId, endpoint),
          accountId: busy,
          endpointId: endpoint,
          eventId,
          eventType: 'click',
          status: 'succeeded' as const,
          attemptCount: 1,
          createdAt: pageAt.toISOString(),
          updatedAt: pageAt.toISOString(),
          body: '{}',
          attempts: [],
        };
      });
      await h.dispatcherStore.appendLog(
        busy,
        deliveries.map((delivery) => ({ deliveryId: delivery.deliveryId, endpointId: endpoint, eventType: 'click', attempt: 1, created: true })),
        pageAt,
      );
      await Promise.all(deliveries.map((delivery) => createDelivery(h.dispatcherStore, delivery)));
    }
    const firstCall = await list('?status=failed', busyKey);
    expect(firstCall.json).toEqual({ data: [], nextCursor: expect.any(String) });
    const secondCall = await list(`?status=failed&cursor=${encodeURIComponent(firstCall.json.nextCursor)}`, busyKey);
    expect(secondCall.json).toEqual({ data: [expect.objectContaining({ id: failed })], nextCursor: null });
    // Without a filter the same log pages fill a page at once.
    expect((await list('?limit=100', busyKey)).json.data).toHaveLength(100);
  });
});
