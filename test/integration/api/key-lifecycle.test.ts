// API and admin keys over their life: looked up strongly consistent, their last use stamped at
// most once an hour, refused once past validUntil, and an item the API's last-use grant could
// write (a key attribute and lastUsedAt only) never taken for a key.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createAdminKey, createKey } from '../../../cli/admin';
import { hashApiKey } from '../../../lambdas/api/api-keys';
import { startFullApp } from './full-app';
import type { Harness } from './harness';

/** Every GetItem the API makes: its key's partition and whether it was strongly consistent. */
const reads: { pk: string; consistent: boolean }[] = [];
function recordReads(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetItemCommand') {
        const input = args.input as { Key?: { pk?: string | { S?: string } }; ConsistentRead?: boolean };
        const pk = input.Key?.pk;
        reads.push({ pk: typeof pk === 'string' ? pk : (pk?.S ?? ''), consistent: input.ConsistentRead === true });
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordReads' },
  );
}

let h: Harness;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ h, close } = await startFullApp({ onClient: recordReads }));
});
afterAll(() => close?.());

const stored = (apiKey: string) => h.store.apiKeys.findApiKey(hashApiKey(apiKey));
const setLastUse = (pk: string, sk: string, at: Date) =>
  h.store.table.documents.send(
    new UpdateCommand({ TableName: h.store.table.name, Key: { pk, sk }, UpdateExpression: 'SET lastUsedAt = :at', ExpressionAttributeValues: { ':at': at.toISOString() } }),
  );

test('API and admin keys are read strongly consistent, so a revocation counts on the very next request', async () => {
  const { apiKey } = await h.newAccount();
  const admin = await createAdminKey(h.store, {});
  expect((await h.request('GET', '/v1/endpoints', { apiKey })).status).toBe(200);
  expect((await h.request('POST', '/v1/admin/portal-links', { apiKey: admin.adminKey, body: { accountId: 'acct_none', ttlMinutes: 5 } })).status).toBe(404);
  const keyReads = reads.filter((read) => read.pk.startsWith('APIKEY#') || read.pk.startsWith('ADMINKEY#'));
  expect(keyReads.length).toBeGreaterThanOrEqual(2);
  expect(keyReads.every((read) => read.consistent)).toBe(true);
});

test('a key records its last use, at most once an hour', async () => {
  const { apiKey } = await h.newAccount();
  expect((await stored(apiKey))?.lastUsedAt).toBeUndefined();
  const before = Date.now();
  expect((await h.request('GET', '/v1/endpoints', { apiKey })).status).toBe(200);
  const first = (await stored(apiKey))?.lastUsedAt;
  expect(Date.parse(first ?? '')).toBeGreaterThanOrEqual(before - 1000);

  // Within the hour: the stamp stays as it is (no write).
  const halfHourAgo = new Date(Date.now() - 30 * 60_000);
  await setLastUse(`APIKEY#${hashApiKey(apiKey)}`, 'APIKEY', halfHourAgo);
  expect((await h.request('GET', '/v1/endpoints', { apiKey })).status).toBe(200);
  expect((await stored(apiKey))?.lastUsedAt).toBe(halfHourAgo.toISOString());

  // Older than an hour: stamped again.
  await setLastUse(`APIKEY#${hashApiKey(apiKey)}`, 'APIKEY', new Date(Date.now() - 2 * 3_600_000));
  expect((await h.request('GET', '/v1/endpoints', { apiKey })).status).toBe(200);
  expect(Date.parse((await stored(apiKey))?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(Date.now() - 60_000);
});

test('an admin key records its last use too', async () => {
  const admin = await createAdminKey(h.store, {});
  expect((await h.request('POST', '/v1/admin/portal-links', { apiKey: admin.adminKey, body: { accountId: 'acct_none', ttlMinutes: 5 } })).status).toBe(404);
  const [listed] = (await h.store.adminKeys.listAdminKeys()).filter((key) => key.keyPrefix === admin.keyPrefix);
  expect(listed?.lastUsedAt).toEqual(expect.any(String));
});

test('a key past its validUntil is refused like a revoked one; before it, it works', async () => {
  const { accountId } = await h.newAccount();
  const now = new Date();
  const live = await createKey(h.store, accountId, now, { validUntil: new Date(now.getTime() + 86_400_000).toISOString() });
  const expired = await createKey(h.store, accountId, new Date(now.getTime() - 2 * 86_400_000), { validUntil: new Date(now.getTime() - 1000).toISOString() });
  expect((await h.request('GET', '/v1/endpoints', { apiKey: live.apiKey })).status).toBe(200);
  const refused = await h.request('GET', '/v1/endpoints', { apiKey: expired.apiKey });
  expect(refused.status).toBe(401);
  expect(refused.json).toEqual({ error: { code: 'unauthorized', message: 'The API key is not valid' } });

  const admin = await createAdminKey(h.store, { validUntil: new Date(now.getTime() - 1000).toISOString() });
  expect((await h.request('POST', '/v1/admin/portal-links', { apiKey: admin.adminKey, body: { accountId, ttlMinutes: 5 } })).status).toBe(401);
});

test('an item holding only a key and lastUsedAt (all the API may write on one) is no key', async () => {
  const forged = `grw_${'A'.repeat(43)}`;
  await setLastUse(`APIKEY#${hashApiKey(forged)}`, 'APIKEY', new Date());
  expect((await h.request('GET', '/v1/endpoints', { apiKey: forged })).status).toBe(401);
  const forgedAdmin = `gra_${'B'.repeat(43)}`;
  await setLastUse(`ADMINKEY#${hashApiKey(forgedAdmin)}`, 'ADMINKEY', new Date());
  expect((await h.request('POST', '/v1/admin/portal-links', { apiKey: forgedAdmin, body: { accountId: 'acct_x', ttlMinutes: 5 } })).status).toBe(401);
});
