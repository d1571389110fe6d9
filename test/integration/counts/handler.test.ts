// The counts aggregator's handler end to end against real parts: DynamoDB Local's stream of a table
// shaped like the deployed one, read by the local stream poller with the construct's own filter,
// and the writes the dispatcher's and the management API's stores really make (first attempts,
// claims, retries, skips, test sends, redeliveries and their undoing, log pages with and without
// the events endpoints' filters left out, endpoint items).
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbDeliveryStore } from '../../../lambdas/adapters/dynamodb-delivery-store';
import { Table } from '../../../lambdas/adapters/dynamodb-table';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import type { Attempt, Delivery, DeliveryStatus } from '../../../lambdas/domain/model';
import { COUNTS_STREAM_FILTERS } from '../../../lib/webhook-delivery';
import { dynamoDbStreamsApi } from '../../../local/dynamodb-streams';
import { startStreamEventSource, type StreamEventSource } from '../../../local/stream-event-source-poller';
import { dynamoDbEndpoint } from '../../support/dynamodb-local';
import { localSecretBox } from '../../support/local-kms';
import { createTestTable, type TestTable } from '../../support/table';
import { createDelivery } from '../../support/create-delivery';

type Handler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

const ACCOUNT = 'acct_counts';
const context = { functionName: 'counts', awsRequestId: 'test' } as Context;

let table: TestTable;
let deliveries: DynamoDbDeliveryStore;
let management: ManagementStore;
let source: StreamEventSource;
let handler: Handler;
const invocations: { records: number; answer: DynamoDBBatchResponse }[] = [];
const logs: string[] = [];

beforeAll(async () => {
  table = await createTestTable({ stream: true });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: dynamoDbEndpoint(),
    TABLE_NAME: table.tableName,
    ATTEMPT_RETENTION_DAYS: '30',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  ({ handler } = await import('../../../lambdas/counts/handler'));
  const sealer = localSecretBox();
  deliveries = new DynamoDbDeliveryStore(new Table(table.client, table.tableName, 30), sealer);
  management = new ManagementStore(table.client, table.tableName, 30, sealer);
  const described = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
  source = await startStreamEventSource({
    mapping: {
      label: 'counts',
      streamArn: described.Table!.LatestStreamArn!,
      eventSourceArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${table.tableName}/stream/local`,
      startingPosition: 'LATEST',
      batchSize: 1000,
      maximumBatchingWindowSeconds: 1,
      filterPatterns: COUNTS_STREAM_FILTERS,
      reportBatchItemFailures: true,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 5,
    },
    streams: dynamoDbStreamsApi(dynamoDbEndpoint()),
    region: 'us-east-1',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:counts',
    invoke: async (event) => {
      const answer = await handler(event, context);
      invocations.push({ records: event.Records.length, answer });
      return answer;
    },
    log: (line) => logs.push(line),
    pollIntervalMs: 50,
  });
});

afterAll(async () => {
  await source?.stop();
  await table?.drop();
});

let counter = 0;
function delivery(endpointId: string, status: DeliveryStatus, attempts: number, extra: Partial<Delivery> = {}): Delivery {
  counter += 1;
  const at = new Date().toISOString();
  const attempt = (number: number): Attempt => ({
    deliveryId: `dlv_c${counter}`,
    accountId: ACCOUNT,
    endpointId,
    eventId: `click:c${counter}`,
    eventType: 'click',
    attempt: number,
    attemptedAt: at,
    outcome: number === attempts && status === 'succeeded' ? 'succeeded' : 'failed',
    latencyMs: 5,
  });
  return {
    deliveryId: `dlv_c${counter}`,
    accountId: ACCOUNT,
    endpointId,
    eventId: `click:c${counter}`,
    eventType: 'click',
    status,
    attemptCount: attempts,
    createdAt: at,
    updatedAt: at,
    body: '{"event":"click","timestamp":"2026-11-28T10:00:00Z","data":{}}',
    attempts: Array.from({ length: attempts }, (_, index) => attempt(index + 1)),
    ...extra,
  };
}

/** The next attempt of a pending delivery, as the dispatcher claims and records it. */
async function retry(current: Delivery, status: DeliveryStatus, extra: Partial<Delivery> = {}): Promise<Delivery> {
  const next = { ...current, status, attemptCount: current.attemptCount + 1, updatedAt: new Date().toISOString(), ...extra };
  expect(await deliveries.claimAttempt(current.deliveryId, { attempt: next.attemptCount, leaseUntil: new Date(Date.now() + 60_000) }, new Date())).toBe(true);
  expect(await deliveries.recordAttempt(next)).toBe(true);
  return next;
}

const startedHour = new Date().toISOString().slice(0, 13);

/** Every shard of the endpoint's counts for the hours the test ran in, summed. */
async function countsOf(endpointId: string): Promise<Record<string, number>> {
  const hours = [...new Set([startedHour, new Date().toISOString().slice(0, 13)])];
  const items = await management.table.batchGet(
    hours.flatMap((hour) => Array.from({ length: 8 }, (_, shard) => ({ pk: `COUNTS#${ACCOUNT}#${endpointId}#${shard}`, sk: hour }))),
  );
  const sum: Record<string, number> = {};
  for (const item of items) {
    expect(item.expiresAt).toEqual(expect.any(Number));
    for (const name of ['succeeded', 'failed', 'failedAttempts', 'skipped', 'filtered']) if (item[name] !== undefined) sum[name] = (sum[name] ?? 0) + Number(item[name]);
  }
  return sum;
}

async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${(error as Error).message}\npoller: ${logs.join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

test('counts what the stores really write, per endpoint and hour, from the stream', async () => {
  // ep_ok: three first attempts that succeeded, and a log page and endpoint item the filter keeps away.
  for (let index = 0; index < 3; index += 1) expect(await createDelivery(deliveries, delivery('ep_ok', 'succeeded', 1))).toBe(true);
  await deliveries.appendLog(ACCOUNT, [{ deliveryId: 'dlv_x', endpointId: 'ep_ok', eventType: 'click', attempt: 1, created: true }], new Date());
  await deliveries.updateEndpointHealth(ACCOUNT, 'ep_ok', { succeededAt: new Date().toISOString() }).catch(() => 0);

  // ep_flaky: a first attempt that failed, a retry that failed, the last retry failed: failed 1, failedAttempts 3.
  const flaky = delivery('ep_flaky', 'pending', 1, { retryScheduledFor: 2 });
  expect(await createDelivery(deliveries, flaky)).toBe(true);
  const second = await retry(flaky, 'pending', { retryScheduledFor: 3 });
  await retry(second, 'failed', { reason: 'all 3 attempts failed' });

  // ep_off: created skipped, and a pending retry closed as skipped.
  expect(await createDelivery(deliveries, delivery('ep_off', 'skipped', 0, { reason: 'endpoint disabled' }))).toBe(true);
  const waiting = delivery('ep_off', 'pending', 1, { retryScheduledFor: 2 });
  expect(await createDelivery(deliveries, waiting)).toBe(true);
  expect(await deliveries.closeDelivery(waiting.deliveryId, 'skipped', 'endpoint disabled', new Date().toISOString())).toBe(true);

  // ep_ok again: a test send counts nothing; a redelivery of a succeeded delivery counts when its attempt succeeds;
  // a redelivery undone (its message could not be queued) counts nothing.
  await management.deliveries.recordTestSend({ ...delivery('ep_ok', 'succeeded', 1), test: true }, new Date());
  const redelivered = delivery('ep_ok', 'succeeded', 1);
  expect(await createDelivery(deliveries, redelivered)).toBe(true);
  expect(await management.deliveries.reopenDelivery(redelivered, new Date().toISOString())).toBe(true);
  await retry({ ...redelivered, status: 'pending' }, 'succeeded');
  const undone = delivery('ep_ok', 'succeeded', 1);
  expect(await createDelivery(deliveries, undone)).toBe(true);
  expect(await management.deliveries.reopenDelivery(undone, new Date().toISOString())).toBe(true);
  expect(await management.deliveries.restoreDelivery(undone, new Date().toISOString())).toBe(true);

  const expected = {
    ep_ok: { succeeded: 3 + 1 + 1 + 1 },
    ep_flaky: { failed: 1, failedAttempts: 3 },
    ep_off: { skipped: 2, failedAttempts: 1 },
  };
  await eventually(async () => {
    for (const [endpointId, counts] of Object.entries(expected)) expect({ endpointId, counts: await countsOf(endpointId) }).toEqual({ endpointId, counts });
  });
  // Nothing more trickles in after the sums are reached.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  for (const [endpointId, counts] of Object.entries(expected)) expect(await countsOf(endpointId)).toEqual(counts);

  expect(invocations.length).toBeGreaterThan(0);
  expect(invocations.every(({ answer }) => answer.batchItemFailures.length === 0)).toBe(true);
  // Only delivery items' writes reached the function, claims included: 3 + 5 + 3 + 4 + 3 (no log page, test send or counts item).
  expect(invocations.reduce((total, { records }) => total + records, 0)).toBe(18);
}, 30_000);

test("counts the events endpoints' filters left out off their batch's log page, and no other log page", async () => {
  const recordsBefore = invocations.reduce((total, { records }) => total + records, 0);
  const line = { deliveryId: 'dlv_y', endpointId: 'ep_ok', eventType: 'click', attempt: 1, created: true };
  await deliveries.appendLog(ACCOUNT, [line], new Date(), new Map([['ep_ok', 2], ['ep_picky', 3]]));
  // A batch whose events were all left out: a page of counts only.
  await deliveries.appendLog(ACCOUNT, [], new Date(), new Map([['ep_picky', 1]]));
  await deliveries.appendLog(ACCOUNT, [line], new Date(), new Map([['ep_picky', 0]]));
  await deliveries.appendLog(ACCOUNT, [line], new Date());

  const expected = { ep_ok: { succeeded: 6, filtered: 2 }, ep_picky: { filtered: 4 } };
  await eventually(async () => {
    for (const [endpointId, counts] of Object.entries(expected)) expect({ endpointId, counts: await countsOf(endpointId) }).toEqual({ endpointId, counts });
  });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  for (const [endpointId, counts] of Object.entries(expected)) expect(await countsOf(endpointId)).toEqual(counts);
  expect(invocations.every(({ answer }) => answer.batchItemFailures.length === 0)).toBe(true);
  // Only the two pages with counts reached the function.
  expect(invocations.reduce((total, { records }) => total + records, 0) - recordsBefore).toBe(2);
}, 30_000);
