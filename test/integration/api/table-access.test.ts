// Every item the management API touches, in a run over all its routes (reads, writes, keys,
// portal links, idempotency, limits, redelivery, recover, test sends, paging), recorded at its
// DynamoDB client and checked against the management role's grants (lib/table-access.ts): what
// the code does must fit inside the LeadingKeys conditions the role gets in AWS, and every grant
// must be used (none is wider than the code needs).
import { createAdminKey } from '../../../cli/admin';
import { MANAGEMENT_TABLE_GRANTS } from '../../../lib/table-access';
import { TableAccessRecorder } from '../../support/table-access-recorder';
import { startFullApp } from './full-app';
import { type Harness, RETRY_QUEUE, type Receiver } from './harness';
import { seedDelivery } from './seed';

const recorder = new TableAccessRecorder();
let h: Harness;
let receiver: Receiver;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ h, receiver, close } = await startFullApp({ onClient: (client) => recorder.attach(client) }));
});
afterAll(() => close?.());

test('a run over every route touches only what the management role is granted, and uses every grant', async () => {
  const { apiKey, accountId } = await h.newAccount({ maxEndpoints: 10 });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, key = apiKey) => {
    const answer = await h.request(method, path, { apiKey: key, headers, ...(body === undefined ? {} : { body }) });
    return answer;
  };
  const expectStatus = async (status: number, method: string, path: string, body?: unknown, headers?: Record<string, string>, key?: string) => {
    const answer = await call(method, path, body, headers, key);
    expect(`${method} ${path} ${answer.status}`).toBe(`${method} ${path} ${status}`);
    return answer.json;
  };

  // Endpoints: create (idempotent, replayed), list, get, change, secrets, enable, test send, filter preview.
  const created = await expectStatus(201, 'POST', '/v1/endpoints', { url: receiver.url, events: ['*'], headers: { 'X-Token': 'abc' } }, { 'idempotency-key': 'create-1' });
  await expectStatus(201, 'POST', '/v1/endpoints', { url: receiver.url, events: ['*'], headers: { 'X-Token': 'abc' } }, { 'idempotency-key': 'create-1' });
  const endpointId = created.id as string;
  await expectStatus(200, 'GET', '/v1/endpoints');
  await expectStatus(200, 'GET', `/v1/endpoints/${endpointId}`);
  await expectStatus(200, 'PATCH', `/v1/endpoints/${endpointId}`, { description: 'hooks', status: 'disabled' });
  await expectStatus(200, 'PATCH', `/v1/endpoints/${endpointId}`, { status: 'active', headers: { 'X-Token': 'def' } });
  await expectStatus(200, 'GET', `/v1/endpoints/${endpointId}/secret`);
  await expectStatus(200, 'POST', `/v1/endpoints/${endpointId}/rotate-secret`, {});
  await expectStatus(200, 'POST', `/v1/endpoints/${endpointId}/enable`);
  await expectStatus(200, 'POST', `/v1/endpoints/${endpointId}/test`, { event: 'click' });
  await expectStatus(200, 'POST', '/v1/filter-preview', { filter: { country: ['DE'] }, events: ['click'] });
  // A request that fails inside an idempotent run frees its key (the record is deleted).
  await expectStatus(404, 'POST', '/v1/endpoints/ep_nothing/enable', undefined, { 'idempotency-key': 'enable-missing' });

  // Deliveries: the log, paging with a signed cursor, by event id, one delivery, one under way, redelivery, recover.
  const now = Date.now();
  const failed = await seedDelivery(h.dispatcherStore, { accountId, endpointId, eventId: 'evt-failed', outcomes: ['failed'], startAt: new Date(now - 120_000) });
  await seedDelivery(h.dispatcherStore, { accountId, endpointId, eventId: 'evt-ok', outcomes: ['succeeded'], startAt: new Date(now - 60_000) });
  const page = await expectStatus(200, 'GET', '/v1/deliveries?limit=1');
  expect(page.nextCursor).toEqual(expect.any(String));
  await expectStatus(200, 'GET', `/v1/deliveries?limit=1&cursor=${encodeURIComponent(page.nextCursor as string)}`);
  await expectStatus(200, 'GET', '/v1/deliveries?event_id=evt-failed');
  await expectStatus(200, 'GET', `/v1/endpoints/${endpointId}/deliveries?limit=1`);
  await expectStatus(200, 'GET', `/v1/deliveries/${failed}`);
  await expectStatus(404, 'GET', '/v1/deliveries/dlv_00000000000000000000000000000000');
  await expectStatus(202, 'POST', `/v1/deliveries/${failed}/redeliver`);
  await expectStatus(202, 'POST', `/v1/endpoints/${endpointId}/recover`, { since: new Date(now - 3_600_000).toISOString() });
  await expectStatus(200, 'GET', `/v1/stats/hourly?endpoint=${endpointId}&hours=2`);

  // Admin: a portal link minted with an admin key, used, then all the account's links revoked.
  const admin = await createAdminKey(h.store, { name: 'table access test' });
  const link = await expectStatus(201, 'POST', '/v1/admin/portal-links', { accountId, ttlMinutes: 10 }, {}, admin.adminKey);
  const token = decodeURIComponent(String(link.url).split('#token=')[1] ?? '');
  await expectStatus(200, 'GET', '/v1/endpoints', undefined, {}, token);
  await expectStatus(200, 'POST', `/v1/admin/accounts/${accountId}/revoke-portal-links`, undefined, {}, admin.adminKey);
  await expectStatus(401, 'GET', '/v1/endpoints', undefined, {}, token);

  // The endpoint deleted, its waiting retries looked up.
  await expectStatus(204, 'DELETE', `/v1/endpoints/${endpointId}`);

  expect(recorder.accesses.length).toBeGreaterThan(50);
  expect(recorder.refused(MANAGEMENT_TABLE_GRANTS)).toEqual([]);
  // Every action and prefix the role is granted was needed by the run.
  expect(recorder.unused(MANAGEMENT_TABLE_GRANTS)).toEqual([]);
  expect(h.aws.sqs.peekMessages(RETRY_QUEUE).length).toBeGreaterThan(0);
});
