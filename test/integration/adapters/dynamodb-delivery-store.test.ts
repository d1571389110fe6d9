// DynamoDbDeliveryStore against DynamoDB Local: new deliveries inserted together (PartiQL INSERT,
// each only if new), the shared circuit's one probe (a compare-and-set on circuitOpenUntil)
// and its closing, a slow endpoint's deferral (slowUntil), and a refused attempt recorded without a
// claim only while nobody holds one; a rate-limited endpoint's send slots shared by two dispatchers, and
// a new endpoint's one pilot batch; a batch's log page with the events endpoints' filters left out.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbDeliveryStore } from '../../../lambdas/adapters/dynamodb-delivery-store';
import { Table } from '../../../lambdas/adapters/dynamodb-table';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import type { Delivery, Endpoint } from '../../../lambdas/domain/model';
import { createDelivery } from '../../support/create-delivery';
import { localSecretBox } from '../../support/local-kms';
import { localSigningKeys } from '../../support/local-signing-keys';
import { createTestTable, type TestTable } from '../../support/table';

let table: TestTable;
let store: DynamoDbDeliveryStore;
let management: ManagementStore;
const sealer = localSecretBox();

beforeAll(async () => {
  table = await createTestTable();
  store = new DynamoDbDeliveryStore(new Table(table.client, table.tableName, 30), sealer);
  // It pages the account's delivery log, so it signs cursors.
  management = new ManagementStore(table.client, table.tableName, 30, sealer, localSigningKeys());
  const now = new Date().toISOString();
  await management.accounts.createAccount({ accountId: 'acct_1', name: 'A', webhooksEnabled: true, maxEndpoints: 5, createdAt: now });
  const endpoint: Endpoint = {
    accountId: 'acct_1',
    endpointId: 'ep_1',
    url: 'https://example.com/hook',
    events: ['*'],
    status: 'active',
    secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0',
    consecutiveFailures: 0,
    createdAt: now,
    updatedAt: now,
  };
  expect(await management.endpoints.createEndpoint(endpoint)).toBe('created');
});

afterAll(async () => {
  await table?.drop();
});

/** A pending delivery of ep_1 created at 10:00, with no attempts kept. */
const pendingDelivery = (deliveryId: string, overrides: Partial<Delivery>): Delivery => ({
  deliveryId,
  accountId: 'acct_1',
  endpointId: 'ep_1',
  eventId: `evt_${deliveryId}`,
  eventType: 'click',
  status: 'pending',
  attemptCount: 0,
  createdAt: '2026-11-28T10:00:00.000Z',
  updatedAt: '2026-11-28T10:00:00.000Z',
  body: '{}',
  attempts: [],
  ...overrides,
});

const stored = async () => (await store.readBatch({ deliveryIds: [], newDeliveryIds: [], endpoints: [{ accountId: 'acct_1', endpointId: 'ep_1' }] })).endpoints.get('acct_1/ep_1');

test('one probe per half-open circuit: the first compare-and-set wins, then a probe answer closes it', async () => {
  const openedUntil = '2026-11-28T10:00:30.000Z';
  await store.updateEndpointHealth('acct_1', 'ep_1', { circuitOpenUntil: openedUntil });
  const claims = await Promise.all([1, 2, 3].map(() => store.claimProbe('acct_1', 'ep_1', openedUntil, '2026-11-28T10:01:05.000Z')));
  expect(claims.filter(Boolean)).toHaveLength(1);
  expect((await stored())?.circuitOpenUntil).toBe('2026-11-28T10:01:05.000Z');
  expect(await store.claimProbe('acct_1', 'ep_1', openedUntil, '2026-11-28T10:02:00.000Z')).toBe(false);

  await store.updateEndpointHealth('acct_1', 'ep_1', { closeCircuit: true });
  expect((await stored())?.circuitOpenUntil).toBeUndefined();
  // Closed: there is nothing to probe.
  expect(await store.claimProbe('acct_1', 'ep_1', openedUntil, '2026-11-28T10:02:00.000Z')).toBe(false);
});

test('a slow answer stores slowUntil beside the rest of the health; re-enabling the endpoint clears it with the circuit', async () => {
  await store.updateEndpointHealth('acct_1', 'ep_1', { slowUntil: '2026-11-28T10:01:00.000Z', circuitOpenUntil: '2026-11-28T10:00:30.000Z', succeededAt: '2026-11-28T10:00:00.000Z' });
  expect(await stored()).toMatchObject({ slowUntil: '2026-11-28T10:01:00.000Z', circuitOpenUntil: '2026-11-28T10:00:30.000Z', lastSuccessAt: '2026-11-28T10:00:00.000Z' });
  await management.endpoints.updateEndpoint('acct_1', 'ep_1', { status: 'disabled' }, '2026-11-28T10:00:01.000Z');
  await management.endpoints.updateEndpoint('acct_1', 'ep_1', { status: 'active' }, '2026-11-28T10:00:02.000Z');
  const enabled = await stored();
  expect(enabled?.status).toBe('active');
  expect(enabled?.slowUntil).toBeUndefined();
  expect(enabled?.circuitOpenUntil).toBeUndefined();
});

test('inserts a batch of new deliveries in one go, each only if it does not exist yet, and reads them back whole', async () => {
  const delivery = (id: string, status: Delivery['status']): Delivery => ({
    deliveryId: id,
    accountId: 'acct_1',
    endpointId: 'ep_1',
    eventId: `evt_${id}`,
    eventType: 'click',
    status,
    attemptCount: status === 'skipped' ? 0 : 1,
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.040Z',
    body: JSON.stringify({ event: 'click', timestamp: '2026-11-28T10:00:00Z', data: { click_id: id, note: "it's" } }),
    attempts:
      status === 'skipped'
        ? []
        : [{ deliveryId: id, accountId: 'acct_1', endpointId: 'ep_1', eventId: `evt_${id}`, eventType: 'click', attempt: 1, attemptedAt: '2026-11-28T10:00:00.000Z', outcome: 'succeeded', latencyMs: 40, statusCode: 200 }],
    ...(status === 'skipped' ? { reason: 'endpoint disabled' } : {}),
  });
  const first = Array.from({ length: 30 }, (_, index) => delivery(`dlv_batch_${index}`, index % 10 === 9 ? 'skipped' : 'succeeded'));
  expect(await store.createDeliveries(first)).toEqual(first.map(() => true));
  // A second copy of some (another copy of the event got there first) is refused item by item.
  const again = [delivery('dlv_batch_3', 'failed'), delivery('dlv_batch_new', 'succeeded'), delivery('dlv_batch_29', 'succeeded')];
  expect(await store.createDeliveries(again)).toEqual([false, true, false]);

  const { deliveries } = await store.readBatch({ deliveryIds: first.map((entry) => entry.deliveryId), newDeliveryIds: [], endpoints: [] });
  expect(deliveries.size).toBe(30);
  expect(deliveries.get('dlv_batch_3')).toEqual(first[3]);
  expect(deliveries.get('dlv_batch_9')).toEqual(first[9]);
});

test('records a refused attempt without a claim, unless another dispatcher holds a live claim on it', async () => {
  const created = pendingDelivery('dlv_refusal', { attemptCount: 1 });
  expect(await store.createDeliveries([created])).toEqual([true]);
  const now = new Date('2026-11-28T10:01:00.000Z');
  const refusal = (attempt: number): Delivery => ({ ...created, attemptCount: attempt, updatedAt: now.toISOString() });
  // Another dispatcher claimed attempt 2 and may be sending it: the refusal must not overwrite it.
  expect(await store.claimAttempt('dlv_refusal', { attempt: 2, leaseUntil: new Date(now.getTime() + 60_000) }, now)).toBe(true);
  expect(await store.recordRefusal(refusal(2), now)).toBe(false);
  // Its lease ran out (it died): the refusal goes through, once.
  const later = new Date(now.getTime() + 61_000);
  expect(await store.recordRefusal(refusal(2), later)).toBe(true);
  expect(await store.recordRefusal(refusal(2), later)).toBe(false);
  expect((await store.readBatch({ deliveryIds: ['dlv_refusal'], newDeliveryIds: [], endpoints: [] })).deliveries.get('dlv_refusal')).toMatchObject({ attemptCount: 2, status: 'pending' });
  // The next attempt can be claimed as usual.
  expect(await store.claimAttempt('dlv_refusal', { attempt: 3, leaseUntil: new Date(later.getTime() + 60_000) }, later)).toBe(true);
});

test('a deferred first attempt (inserted pending, with no attempt) is claimed once as attempt 1, then recorded', async () => {
  const deferred = pendingDelivery('dlv_deferred', { attemptCount: 0, nextAttemptAt: '2026-11-28T10:00:00.000Z', retryScheduledFor: 1 });
  expect(await store.createDeliveries([deferred])).toEqual([true]);
  const now = new Date('2026-11-28T10:00:01.000Z');
  const claims = await Promise.all([1, 2].map(() => store.claimAttempt('dlv_deferred', { attempt: 1, leaseUntil: new Date(now.getTime() + 60_000) }, now)));
  expect(claims.filter(Boolean)).toHaveLength(1);
  const attempt = { deliveryId: 'dlv_deferred', accountId: 'acct_1', endpointId: 'ep_1', eventId: 'evt_dlv_deferred', eventType: 'click', attempt: 1, attemptedAt: now.toISOString(), outcome: 'succeeded' as const, latencyMs: 6_000, statusCode: 200 };
  const { nextAttemptAt: _next, retryScheduledFor: _scheduled, ...rest } = deferred;
  expect(await store.recordAttempt({ ...rest, status: 'succeeded', attemptCount: 1, updatedAt: now.toISOString(), attempts: [attempt] })).toBe(true);
  expect((await store.readBatch({ deliveryIds: ['dlv_deferred'], newDeliveryIds: [], endpoints: [] })).deliveries.get('dlv_deferred')).toMatchObject({ status: 'succeeded', attemptCount: 1 });
});

test('send slots of a rate-limited endpoint: two dispatchers reserving at once get one spaced schedule, which restarts at now after a quiet spell', async () => {
  const limited = { ...(await stored())!, rateLimit: 20 };
  const other = new DynamoDbDeliveryStore(new Table(table.client, table.tableName, 30), sealer);
  const now = new Date('2026-11-28T10:00:00.000Z');
  const [mine, theirs] = await Promise.all([store.reserveSendSlots(limited, 5, now), other.reserveSendSlots(limited, 5, now)]);
  const all = [...mine, ...theirs].sort((a, b) => a - b);
  expect(all[0]).toBe(now.getTime());
  all.slice(1).forEach((slot, index) => expect(slot - all[index]!).toBeCloseTo(50, 6));
  // Busy: the next batch follows on.
  expect(await store.reserveSendSlots(limited, 2, new Date(now.getTime() + 100))).toEqual([now.getTime() + 500, now.getTime() + 550]);
  // A minute later the schedule lags: it restarts at now, with no credit for the quiet minute.
  const later = new Date(now.getTime() + 60_000);
  expect(await other.reserveSendSlots(limited, 3, later)).toEqual([later.getTime(), later.getTime() + 50, later.getTime() + 100]);
  const schedule = await table.client.send(new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: 'SENDSLOTS#acct_1#ep_1' }, sk: { S: 'SENDSLOTS' } }, ConsistentRead: true }));
  expect(Number(schedule.Item?.nextSlotAt?.N)).toBe(later.getTime() + 150);
  // Removed by TTL a day after its last write; no index entry.
  expect(Number(schedule.Item?.expiresAt?.N)).toBe(Math.floor(later.getTime() / 1000) + 86_400);
  expect(schedule.Item?.gsi1pk).toBeUndefined();
});

test("a new endpoint's pilot: one holder at a time, given back only by its holder, taken over once it runs out", async () => {
  const other = new DynamoDbDeliveryStore(new Table(table.client, table.tableName, 30), sealer);
  const now = new Date('2026-11-28T10:00:00.000Z');
  const until = new Date(now.getTime() + 35_000);
  const claims = await Promise.all([store.claimPilot('acct_1', 'ep_1', 'batch-a', until, now), other.claimPilot('acct_1', 'ep_1', 'batch-b', until, now)]);
  expect(claims.filter(Boolean)).toHaveLength(1);
  const [winner, loser] = claims[0] ? ['batch-a', 'batch-b'] : ['batch-b', 'batch-a'];
  // The loser cannot give it back; the winner can, and then anyone may take it.
  await store.releasePilot('acct_1', 'ep_1', loser);
  expect(await store.claimPilot('acct_1', 'ep_1', 'batch-c', until, now)).toBe(false);
  await other.releasePilot('acct_1', 'ep_1', winner);
  expect(await store.claimPilot('acct_1', 'ep_1', 'batch-c', until, now)).toBe(true);
  // Never given back (its dispatcher died): after its lease, another batch takes it.
  expect(await other.claimPilot('acct_1', 'ep_1', 'batch-d', until, new Date(until.getTime() - 1))).toBe(false);
  expect(await other.claimPilot('acct_1', 'ep_1', 'batch-d', new Date(until.getTime() + 35_000), new Date(until.getTime() + 1))).toBe(true);
});

describe("a batch's log page and the events endpoints' filters left out", () => {
  const ACCOUNT = 'acct_logfilter';
  /** Every page of the account's log, all shards, as stored. */
  const pages = async () =>
    (
      await Promise.all(
        Array.from({ length: 8 }, (_, shard) =>
          management.table.documents.send(
            new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `LOG#${ACCOUNT}#${shard}` } }),
          ),
        ),
      )
    )
      .flatMap((page) => page.Items ?? [])
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
  const line = (deliveryId: string) => ({ deliveryId, endpointId: 'ep_1', eventType: 'click', attempt: 1, created: true });

  test('rides on the page as one short string, only when some count is above 0; a page of counts only has no lines; a page of neither is not written', async () => {
    await store.appendLog(ACCOUNT, [line('dlv_lf1')], new Date('2026-11-28T10:00:00.000Z'), new Map([['ep_1', 2], ['ep_2', 1], ['ep_3', 0]]));
    await store.appendLog(ACCOUNT, [], new Date('2026-11-28T10:00:01.000Z'), new Map([['ep_2', 5]]));
    await store.appendLog(ACCOUNT, [line('dlv_lf2')], new Date('2026-11-28T10:00:02.000Z'), new Map([['ep_2', 0]]));
    await store.appendLog(ACCOUNT, [line('dlv_lf3')], new Date('2026-11-28T10:00:03.000Z'));
    await store.appendLog(ACCOUNT, [], new Date('2026-11-28T10:00:04.000Z'), new Map());
    const stored = await pages();
    expect(stored.map(({ sk, entries, filtered }) => ({ at: String(sk).slice(0, 24), entries, filtered }))).toEqual([
      { at: '2026-11-28T10:00:00.000Z', entries: 'dlv_lf1 ep_1 click 1 1', filtered: 'ep_1 2\nep_2 1' },
      { at: '2026-11-28T10:00:01.000Z', entries: undefined, filtered: 'ep_2 5' },
      { at: '2026-11-28T10:00:02.000Z', entries: 'dlv_lf2 ep_1 click 1 1', filtered: undefined },
      { at: '2026-11-28T10:00:03.000Z', entries: 'dlv_lf3 ep_1 click 1 1', filtered: undefined },
    ]);
    // Nothing but the key, the counts and the TTL: no empty `entries`.
    expect(Object.keys(stored[1]!).sort()).toEqual(['expiresAt', 'filtered', 'pk', 'sk']);
  });

  test("the management API's log readers step over a page without lines", async () => {
    const since = new Date('2026-11-28T09:00:00.000Z');
    for (const id of ['dlv_lf1', 'dlv_lf2', 'dlv_lf3']) {
      expect(await createDelivery(store, pendingDelivery(id, { accountId: ACCOUNT, createdAt: '2026-11-28T10:00:00.000Z' }))).toBe(true);
    }
    const listed = await management.deliveries.listDeliveries(ACCOUNT, {}, { limit: 10 });
    expect(listed.items.map((delivery) => delivery.deliveryId)).toEqual(['dlv_lf3', 'dlv_lf2', 'dlv_lf1']);
    expect(listed.nextCursor).toBeUndefined();
    // Paged two at a time, the page without lines between them changes nothing.
    const first = await management.deliveries.listDeliveries(ACCOUNT, {}, { limit: 2 });
    const rest = await management.deliveries.listDeliveries(ACCOUNT, {}, { limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...rest.items].map((delivery) => delivery.deliveryId)).toEqual(['dlv_lf3', 'dlv_lf2', 'dlv_lf1']);
    expect(await management.deliveries.findLoggedDelivery(ACCOUNT, 'dlv_lf1', since)).toMatchObject({ deliveryId: 'dlv_lf1', loggedAt: '2026-11-28T10:00:00.000Z' });
    expect(await management.deliveries.deliveryIdsSince(ACCOUNT, 'ep_1', since.toISOString(), 100)).toEqual({ deliveryIds: ['dlv_lf3', 'dlv_lf2', 'dlv_lf1'], truncated: false });
    expect((await management.deliveries.listEndpointAttempts(ACCOUNT, 'ep_1', { limit: 10 })).items).toEqual([]);
  });
});
