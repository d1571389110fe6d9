// Account A's key, and a portal token of A, against every route that takes an id, with account B's
// ids: each answer must be exactly the answer for an id that never existed, and B's data must not
// change. Then the routes that list or filter: B's ids and cursors show nothing of B.
import { type Harness, type Receiver, startHarness, startReceiver } from './harness';
import { seedDelivery } from './seed';
import { createAdminKey } from '../../../cli/admin';

let h: Harness;
let receiverOfB: Receiver;
let keyOfA: string;
let portalTokenOfA: string;
let keyOfB: string;
let accountOfB: string;
let endpointOfA: string;
let endpointOfB: string;
let deliveryOfB: string;
let testDeliveryOfB: string;

const NEVER_ENDPOINT = 'ep_0000000000000000000000zzzz';
const NEVER_DELIVERY = 'dlv_00000000000000000000000000000000';

/** A valid request body per operation, so only ownership decides the answer. */
const BODIES: Record<string, () => unknown> = {
  getEndpoint: () => undefined,
  updateEndpoint: () => ({ description: 'taken over' }),
  deleteEndpoint: () => undefined,
  getEndpointSecret: () => undefined,
  rotateEndpointSecret: () => undefined,
  enableEndpoint: () => undefined,
  testEndpoint: () => ({ event: 'click' }),
  listEndpointDeliveries: () => undefined,
  recoverEndpoint: () => ({ since: new Date(Date.now() - 3600_000).toISOString() }),
  getDelivery: () => undefined,
  redeliver: () => undefined,
};

interface Operation {
  method: string;
  path: string;
  operationId: string;
}

let operations: Operation[];

beforeAll(async () => {
  h = await startHarness();
  receiverOfB = await startReceiver();
  const a = await h.newAccount();
  const b = await h.newAccount();
  keyOfA = a.apiKey;
  keyOfB = b.apiKey;
  const { adminKey } = await createAdminKey(h.store);
  const link = await h.request('POST', '/v1/admin/portal-links', { apiKey: adminKey, body: { accountId: a.accountId } });
  portalTokenOfA = new URL(link.json.url).hash.replace(/^#token=/, '');
  accountOfB = b.accountId;

  const createdA = await h.request('POST', '/v1/endpoints', { apiKey: keyOfA, body: { url: 'http://127.0.0.1:9/a', events: ['*'] } });
  endpointOfA = createdA.json.id;
  const createdB = await h.request('POST', '/v1/endpoints', { apiKey: keyOfB, body: { url: receiverOfB.url, events: ['*'], description: 'B' } });
  endpointOfB = createdB.json.id;
  deliveryOfB = await seedDelivery(h.dispatcherStore, {
    accountId: accountOfB,
    endpointId: endpointOfB,
    eventId: 'evt-of-b',
    outcomes: ['failed', 'failed'],
    startAt: new Date(Date.now() - 20 * 60_000),
  });
  testDeliveryOfB = (await h.request('POST', `/v1/endpoints/${endpointOfB}/test`, { apiKey: keyOfB })).json.deliveryId;
  receiverOfB.requests.length = 0;

  const document = (await h.request('GET', '/v1/openapi.json')).json as { paths: Record<string, Record<string, { operationId: string }>> };
  operations = Object.entries(document.paths)
    .filter(([path]) => path.includes('{id}'))
    .flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operationId: operation.operationId })));
});

afterAll(async () => {
  await receiverOfB.close();
  await h.close();
});

async function snapshotOfB() {
  return {
    endpoint: await h.store.endpoints.getEndpoint(accountOfB, endpointOfB),
    delivery: await h.store.deliveries.getDelivery(accountOfB, deliveryOfB),
    endpoints: (await h.request('GET', '/v1/endpoints', { apiKey: keyOfB })).json,
  };
}

describe("account A with account B's ids", () => {
  it('covers every route that takes an id', () => {
    expect(operations.map((operation) => operation.operationId).sort()).toEqual(Object.keys(BODIES).sort());
  });

  it.each([
    ['API key', () => keyOfA],
    ['portal token', () => portalTokenOfA],
  ])('answers A\'s %s exactly as for an id that never existed, and changes nothing of B', async (_kind, credentialOfA) => {
    const before = await snapshotOfB();
    const messagesBefore = h.retryMessages().length;

    for (const operation of operations) {
      const isDelivery = operation.path.startsWith('/v1/deliveries/');
      const idsOfB = isDelivery ? [deliveryOfB, testDeliveryOfB] : [endpointOfB];
      const never = isDelivery ? NEVER_DELIVERY : NEVER_ENDPOINT;
      const body = BODIES[operation.operationId]?.();
      const call = (id: string) =>
        h.request(operation.method, operation.path.replace('{id}', id), { apiKey: credentialOfA(), ...(body === undefined ? {} : { body }) });

      const baseline = await call(never);
      for (const id of idsOfB) {
        const answer = await call(id);
        const label = `${operation.method} ${operation.path} with ${id}`;
        expect({ label, status: answer.status }).toEqual({ label, status: 404 });
        expect({ label, body: answer.json }).toEqual({ label, body: baseline.json });
        expect(answer.text).not.toContain(id);
        expect(answer.text).not.toContain(accountOfB);
      }
    }

    expect(await snapshotOfB()).toEqual(before);
    expect(h.retryMessages()).toHaveLength(messagesBefore);
    expect(receiverOfB.requests).toHaveLength(0);
  });

  it("lists only A's own endpoints", async () => {
    const listed = await h.request('GET', '/v1/endpoints', { apiKey: keyOfA });
    expect(listed.json.data.map((endpoint: { id: string }) => endpoint.id)).toEqual([endpointOfA]);
  });

  it("refuses B's paging cursor on A's log", async () => {
    await seedDelivery(h.dispatcherStore, { accountId: accountOfB, endpointId: endpointOfB, eventId: 'evt-of-b-2', outcomes: ['succeeded'], startAt: new Date() });
    const pageOfB = await h.request('GET', `/v1/endpoints/${endpointOfB}/deliveries?limit=1`, { apiKey: keyOfB });
    expect(pageOfB.json.nextCursor).toEqual(expect.any(String));
    const answer = await h.request('GET', `/v1/endpoints/${endpointOfA}/deliveries?cursor=${encodeURIComponent(pageOfB.json.nextCursor)}`, { apiKey: keyOfA });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('invalid_cursor');
    expect(answer.text).not.toContain(endpointOfB);
  });
});

describe("account A's lists and filters with account B's ids", () => {
  it.each([
    ['API key', () => keyOfA],
    ['portal token', () => portalTokenOfA],
  ])("show nothing of B to A's %s", async (_kind, credentialOfA) => {
    for (const path of [
      '/v1/deliveries',
      `/v1/deliveries?endpoint=${endpointOfB}`,
      '/v1/deliveries?event_id=evt-of-b',
      `/v1/deliveries?event_id=evt-of-b&endpoint=${endpointOfB}`,
      '/v1/stats/hourly',
      '/v1/endpoints',
    ]) {
      const answer = await h.request('GET', path, { apiKey: credentialOfA() });
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      for (const secret of [endpointOfB, deliveryOfB, testDeliveryOfB, accountOfB]) expect({ path, leaks: answer.text.includes(secret) }).toEqual({ path, leaks: false });
    }
    const stats = await h.request('GET', `/v1/stats/hourly?endpoint=${endpointOfB}`, { apiKey: credentialOfA() });
    expect(stats.status).toBe(404);
    const pageOfB = await h.request('GET', '/v1/deliveries?limit=1', { apiKey: keyOfB });
    expect(pageOfB.json.nextCursor).toEqual(expect.any(String));
    const withCursorOfB = await h.request('GET', `/v1/deliveries?limit=1&cursor=${encodeURIComponent(pageOfB.json.nextCursor)}`, { apiKey: credentialOfA() });
    expect(withCursorOfB.status).toBe(400);
    expect(withCursorOfB.json.error.code).toBe('invalid_cursor');
  });
});
