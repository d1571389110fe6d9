// The token buckets of the API's limits on DynamoDB Local: a burst, then one token per interval,
// each bucket on its own, and several instances (stores) agreeing on one bucket.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Table } from '../../../lambdas/adapters/dynamodb-table';
import { RateLimitStore } from '../../../lambdas/adapters/management/rate-limit-store';
import { DYNAMODB_LOCAL_CLIENT_DEFAULTS, dynamoDbEndpoint } from '../../support/dynamodb-local';
import { createTestTable, type TestTable } from '../../support/table';
import { TableAccessRecorder } from '../../support/table-access-recorder';

let table: TestTable;
let store: RateLimitStore;

beforeAll(async () => {
  table = await createTestTable();
  store = new RateLimitStore(new Table(table.client, table.tableName, 1));
});
afterAll(() => table?.drop());

const at = (ms: number) => new Date(Date.UTC(2026, 2, 1, 12, 0, 0) + ms);

async function takes(bucket: string, count: number, when: Date, from: RateLimitStore = store) {
  const results = [];
  for (let index = 0; index < count; index += 1) results.push(await from.consumeToken(bucket, 10, 5, when));
  return results;
}

test('a quiet bucket lets a burst through, then refuses until a token frees, saying when', async () => {
  const results = await takes('burst', 6, at(0));
  expect(results.slice(0, 5)).toEqual(Array(5).fill({ allowed: true }));
  expect(results[5]).toEqual({ allowed: false, retryAfterSeconds: 1 });
  // 10 per second: a token frees every 100 ms.
  expect(await store.consumeToken('burst', 10, 5, at(100))).toEqual({ allowed: true });
  expect(await store.consumeToken('burst', 10, 5, at(100))).toEqual({ allowed: false, retryAfterSeconds: 1 });
});

test('sustained at the rate it is never refused; after a quiet spell the burst is back, and no more', async () => {
  for (let step = 0; step < 30; step += 1) expect(await store.consumeToken('steady', 10, 5, at(step * 100))).toEqual({ allowed: true });
  const later = await takes('steady', 6, at(60_000));
  expect(later.filter((result) => result.allowed)).toHaveLength(5);
});

test('buckets are independent', async () => {
  await takes('one', 5, at(0));
  expect(await store.consumeToken('one', 10, 5, at(0))).toMatchObject({ allowed: false });
  expect(await store.consumeToken('two', 10, 5, at(0))).toEqual({ allowed: true });
});

test('instances that guessed the bucket wrong still agree on it', async () => {
  const other = new RateLimitStore(new Table(table.client, table.tableName, 1));
  // This instance sees the bucket quiet, the other fills it: each write that guessed wrong costs the other write, not a wrong answer.
  expect(await store.consumeToken('shared', 10, 5, at(0))).toEqual({ allowed: true });
  const results = await takes('shared', 5, at(0), other);
  expect(results.filter((result) => result.allowed)).toHaveLength(4);
  expect(await store.consumeToken('shared', 10, 5, at(0))).toMatchObject({ allowed: false });
});

test('a burst of 1 allows one request per interval', async () => {
  expect(await store.consumeToken('single', 2, 1, at(0))).toEqual({ allowed: true });
  expect(await store.consumeToken('single', 2, 1, at(100))).toEqual({ allowed: false, retryAfterSeconds: 1 });
  expect(await store.consumeToken('single', 2, 1, at(500))).toEqual({ allowed: true });
});

test('a refusal costs one conditional write: the refused write\'s old image tells how full the bucket is', async () => {
  const recorder = new TableAccessRecorder();
  const client = recorder.attach(new DynamoDBClient({ ...DYNAMODB_LOCAL_CLIENT_DEFAULTS, endpoint: dynamoDbEndpoint() }));
  const counted = new RateLimitStore(new Table(client, table.tableName, 1));
  try {
    await takes('counted', 5, at(0), counted);
    const before = recorder.accesses.length;
    expect(await counted.consumeToken('counted', 10, 5, at(0))).toMatchObject({ allowed: false });
    expect(recorder.accesses.length - before).toBe(1);
  } finally {
    client.destroy();
  }
});
