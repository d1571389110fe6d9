// Endpoint items with their secrets sealed (lambdas/adapters/endpoint-items.ts), through the real
// stores on DynamoDB Local and the real KmsSecretBox on the local KMS: both stores read back what
// was written, an item written before sealing (plain values) still reads and rotates, a sealed
// value copied into another endpoint's item (or another field) does not open, and a rotation
// still loses to a concurrent one.
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbDeliveryStore } from '../../../lambdas/adapters/dynamodb-delivery-store';
import { Table } from '../../../lambdas/adapters/dynamodb-table';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import { SEALED_PREFIX } from '../../../lambdas/adapters/secret-box';
import { GSI1PK, GSI1SK, keys } from '../../../lambdas/adapters/table-keys';
import type { Endpoint } from '../../../lambdas/domain/model';
import { generateSecret } from '../../../lambdas/domain/signing';
import { KmsEngine } from '../../../local/aws-endpoint/kms';
import { localSecretBox, TEST_SECRETS_KEY } from '../../support/local-kms';
import { createTestTable, type TestTable } from '../../support/table';

const ACCOUNT = 'acct_sealed';

let table: TestTable;
let management: ManagementStore;
let deliveries: DynamoDbDeliveryStore;
let created = 0;

beforeAll(async () => {
  table = await createTestTable();
  // One key, two instances with their own data keys and caches: the API's and a dispatcher's.
  const kms = new KmsEngine([TEST_SECRETS_KEY]);
  management = new ManagementStore(table.client, table.tableName, 30, localSecretBox(kms));
  deliveries = new DynamoDbDeliveryStore(new Table(table.client, table.tableName, 30), localSecretBox(kms));
  await management.accounts.createAccount({ accountId: ACCOUNT, name: ACCOUNT, webhooksEnabled: true, maxEndpoints: 50, createdAt: new Date().toISOString() });
});

afterAll(async () => {
  await table?.drop();
});

function newEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  created += 1;
  const at = new Date().toISOString();
  return {
    accountId: ACCOUNT,
    endpointId: `ep_sealed${created}`,
    url: 'https://hooks.example.com/georedir',
    events: ['*'],
    status: 'active',
    secret: generateSecret(),
    headers: { Authorization: `Bearer tok_${created}_abcdefghijklmnop`, 'X-Tenant': `tenant-${created}-qrstuvwx` },
    consecutiveFailures: 0,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

const rawItem = async (endpointId: string) =>
  (await table.client.send(new GetCommand({ TableName: table.tableName, Key: keys.endpoint(ACCOUNT, endpointId), ConsistentRead: true }))).Item as
    | (Endpoint & Record<string, unknown>)
    | undefined;

const readByDispatcher = async (endpointId: string) =>
  (await deliveries.readBatch({ deliveryIds: [], newDeliveryIds: [], endpoints: [{ accountId: ACCOUNT, endpointId }] })).endpoints.get(`${ACCOUNT}/${endpointId}`);

test('an endpoint is stored with its secrets and header values sealed, and both stores read it back whole', async () => {
  const endpoint = newEndpoint();
  expect(await management.endpoints.createEndpoint(endpoint)).toBe('created');
  const raw = (await rawItem(endpoint.endpointId))!;
  expect(raw.secret.startsWith(SEALED_PREFIX)).toBe(true);
  expect(Object.keys(raw.headers!)).toEqual(['Authorization', 'X-Tenant']);
  for (const value of Object.values(raw.headers!)) expect(value.startsWith(SEALED_PREFIX)).toBe(true);
  expect(JSON.stringify(raw)).not.toContain('whsec_');

  expect(await management.endpoints.getEndpoint(ACCOUNT, endpoint.endpointId)).toEqual(endpoint);
  expect(await readByDispatcher(endpoint.endpointId)).toEqual(endpoint);
  expect((await management.endpoints.listEndpoints(ACCOUNT)).find((listed) => listed.endpointId === endpoint.endpointId)).toEqual(endpoint);
  expect((await deliveries.listEndpoints(ACCOUNT)).find((listed) => listed.endpointId === endpoint.endpointId)).toEqual(endpoint);

  // A header change seals the new set; the answer is opened.
  const headers = { Authorization: 'Bearer rotated_token_0123456789' };
  expect((await management.endpoints.updateEndpoint(ACCOUNT, endpoint.endpointId, { headers }, new Date().toISOString()))?.headers).toEqual(headers);
  expect((await rawItem(endpoint.endpointId))!.headers!.Authorization!.startsWith(SEALED_PREFIX)).toBe(true);
  expect((await readByDispatcher(endpoint.endpointId))?.headers).toEqual(headers);

  // A scheduled rotation keeps the old secret, sealed as the previous one.
  const newSecret = generateSecret();
  const activatesAt = new Date(Date.now() + 3_600_000).toISOString();
  const rotated = await management.endpoints.rotateSecret(ACCOUNT, endpoint.endpointId, {
    expectedSecret: endpoint.secret,
    newSecret,
    previousExpiresAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
    at: new Date().toISOString(),
    activatesAt,
  });
  expect(rotated).toMatchObject({ secret: newSecret, previousSecret: { secret: endpoint.secret }, secretActivatesAt: activatesAt });
  const afterRotation = (await rawItem(endpoint.endpointId))!;
  expect(afterRotation.previousSecret!.secret.startsWith(SEALED_PREFIX)).toBe(true);
  expect(JSON.stringify(afterRotation)).not.toContain('whsec_');
  expect(await readByDispatcher(endpoint.endpointId)).toMatchObject({ secret: newSecret, previousSecret: { secret: endpoint.secret } });
});

test('an item written before sealing (plain values) reads as it is, and its next rotation and header change seal it', async () => {
  const legacy = newEndpoint({ previousSecret: { secret: generateSecret(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() } });
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.endpoint(ACCOUNT, legacy.endpointId), ...legacy, [GSI1PK]: keys.accountEndpoints(ACCOUNT), [GSI1SK]: `${legacy.createdAt}#${legacy.endpointId}` },
    }),
  );
  expect(await management.endpoints.getEndpoint(ACCOUNT, legacy.endpointId)).toEqual(legacy);
  expect(await readByDispatcher(legacy.endpointId)).toEqual(legacy);
  expect((await deliveries.listEndpoints(ACCOUNT)).find((listed) => listed.endpointId === legacy.endpointId)).toEqual(legacy);

  // The condition compares the stored (plain) secret the store read.
  const newSecret = generateSecret();
  const rotated = await management.endpoints.rotateSecret(ACCOUNT, legacy.endpointId, {
    expectedSecret: legacy.secret,
    newSecret,
    previousExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    at: new Date().toISOString(),
  });
  expect(rotated).toMatchObject({ secret: newSecret, previousSecret: { secret: legacy.secret }, headers: legacy.headers });
  await management.endpoints.updateEndpoint(ACCOUNT, legacy.endpointId, { headers: legacy.headers! }, new Date().toISOString());
  const raw = (await rawItem(legacy.endpointId))!;
  expect(JSON.stringify(raw)).not.toContain('whsec_');
  for (const value of Object.values(legacy.headers!)) expect(JSON.stringify(raw)).not.toContain(value);
  expect(await readByDispatcher(legacy.endpointId)).toMatchObject({ secret: newSecret, previousSecret: { secret: legacy.secret }, headers: legacy.headers });
});

test("a sealed value copied into another endpoint's item, or into another field, does not open", async () => {
  const a = newEndpoint();
  const b = newEndpoint();
  const c = newEndpoint();
  for (const endpoint of [a, b, c]) expect(await management.endpoints.createEndpoint(endpoint)).toBe('created');
  const sealedA = (await rawItem(a.endpointId))!;
  const overwrite = (endpointId: string, expression: string, values: Record<string, unknown>, names?: Record<string, string>) =>
    table.client.send(
      new UpdateCommand({ TableName: table.tableName, Key: keys.endpoint(ACCOUNT, endpointId), UpdateExpression: expression, ExpressionAttributeValues: values, ...(names ? { ExpressionAttributeNames: names } : {}) }),
    );

  // a's secret in b's item.
  await overwrite(b.endpointId, 'SET secret = :secret', { ':secret': sealedA.secret });
  await expect(management.endpoints.getEndpoint(ACCOUNT, b.endpointId)).rejects.toThrow();
  await expect(readByDispatcher(b.endpointId)).rejects.toThrow();
  // a's Authorization value as c's, and a's secret as its own previous secret.
  await overwrite(c.endpointId, 'SET headers.#name = :value', { ':value': sealedA.headers!.Authorization }, { '#name': 'Authorization' });
  await expect(readByDispatcher(c.endpointId)).rejects.toThrow();
  await overwrite(a.endpointId, 'SET previousSecret = :previous', { ':previous': { secret: sealedA.secret, expiresAt: new Date(Date.now() + 3_600_000).toISOString() } });
  await expect(management.endpoints.getEndpoint(ACCOUNT, a.endpointId)).rejects.toThrow();
});

test('of two rotations from the same secret only one is made, and a rotation from a replaced secret none', async () => {
  const endpoint = newEndpoint();
  expect(await management.endpoints.createEndpoint(endpoint)).toBe('created');
  const rotation = (newSecret: string) => ({ expectedSecret: endpoint.secret, newSecret, previousExpiresAt: new Date(Date.now() + 3_600_000).toISOString(), at: new Date().toISOString() });
  const results = await Promise.all([generateSecret(), generateSecret()].map((secret) => management.endpoints.rotateSecret(ACCOUNT, endpoint.endpointId, rotation(secret))));
  const made = results.filter((result) => result !== undefined);
  expect(made).toHaveLength(1);
  expect((await management.endpoints.getEndpoint(ACCOUNT, endpoint.endpointId))?.secret).toBe(made[0]!.secret);
  expect(await management.endpoints.rotateSecret(ACCOUNT, endpoint.endpointId, rotation(generateSecret()))).toBeUndefined();
});
