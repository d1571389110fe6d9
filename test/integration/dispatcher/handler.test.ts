// The dispatcher handler end to end against real parts: DynamoDB Local, the local SQS and
// Scheduler emulator, and HTTP receivers on 127.0.0.1 that verify signatures as the guide does.
import type { KMSClient } from '@aws-sdk/client-kms';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { listRejectedEventsOfDay } from '../../../cli/rejected-events';
import { deliveryFromItem } from '../../../lambdas/adapters/delivery-items';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import { maxJitterSeconds } from '../../../lambdas/domain/retry-policy';
import { deliveryIdFor } from '../../../lambdas/domain/ids';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import type { Endpoint } from '../../../lambdas/domain/model';
import { generateSecret } from '../../../lambdas/domain/signing';
import { startAwsEndpoint, type AwsEndpoint } from '../../../local/aws-endpoint';
import { dynamoDbEndpoint } from '../../support/dynamodb-local';
import { endpointSecretBox, TEST_SECRETS_KEY } from '../../support/local-kms';
import { startReceiver, type Receiver } from '../../support/receiver';
import { localClientConfig } from '../../support/sdk-clients';
import { eventBridgeEnvelope, sqsEvent } from '../../support/sqs-event';
import { createTestTable, type TestTable } from '../../support/table';
import { recordedRun } from '../../support/table-access-recorder';
import { DISPATCHER_TABLE_GRANTS } from '../../../lib/table-access';

// Every item the handler touches in this run is checked against the dispatcher role's grants by the last test.
jest.mock('../../../lambdas/shared/aws-clients', () => {
  const actual = jest.requireActual<typeof import('../../../lambdas/shared/aws-clients')>('../../../lambdas/shared/aws-clients');
  const { recordedRun: recorder } = jest.requireActual<typeof import('../../support/table-access-recorder')>('../../support/table-access-recorder');
  return {
    ...actual,
    createAwsClients: () => {
      const clients = actual.createAwsClients();
      recorder.attach(clients.dynamodb);
      return clients;
    },
  };
});

const RETRY_QUEUE = 'retry';
const SCHEDULE_GROUP = 'webhook-retries';
const SCHEDULER_ROLE_ARN = 'arn:aws:iam::000000000000:role/webhook-retry-scheduler';
const CLICK = EVENT_CATALOGUE.click.example;

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

let table: TestTable;
let aws: AwsEndpoint;
let management: ManagementStore;
let kms: KMSClient;
let handler: Handler;
let queueArn: string;
const context = { functionName: 'dispatcher', awsRequestId: 'test' } as Context;
const receivers: Receiver[] = [];
let endpointCounter = 0;

beforeAll(async () => {
  table = await createTestTable();
  aws = await startAwsEndpoint({
    port: 0,
    dynamoDbEndpoint: dynamoDbEndpoint(),
    queues: [{ name: RETRY_QUEUE, visibilityTimeout: 360 }],
    buses: [{ busName: 'georedir-webhooks', rules: [] }],
    scheduleGroups: [SCHEDULE_GROUP],
    kmsKeys: [TEST_SECRETS_KEY],
  });
  queueArn = aws.sqs.queueArn(RETRY_QUEUE);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: aws.url,
    TABLE_NAME: table.tableName,
    RETRY_QUEUE_URL: aws.sqs.queueUrl(RETRY_QUEUE),
    RETRY_QUEUE_ARN: queueArn,
    SCHEDULER_ROLE_ARN,
    SCHEDULER_DEAD_LETTER_QUEUE_ARN: aws.sqs.queueArn('scheduler-dlq'),
    SCHEDULE_GROUP_NAME: SCHEDULE_GROUP,
    EVENT_BUS_NAME: 'georedir-webhooks',
    EVENT_SOURCE: 'georedir',
    RETRY_SCHEDULE_SECONDS: '60,1800,7200',
    ALLOW_PRIVATE_ENDPOINTS: 'true',
    DELIVERY_TIMEOUT_MS: '2000',
    SECRETS_KEY_ARN: TEST_SECRETS_KEY.arn,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // Endpoints sealed by the local KMS over HTTP, as the management API seals them; the handler opens them the same way.
  const sealing = endpointSecretBox(aws.url);
  kms = sealing.kms;
  management = new ManagementStore(table.client, table.tableName, 30, sealing.box);
  ({ handler } = await import('../../../lambdas/dispatcher/handler'));
});

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  kms?.destroy();
  await aws?.close();
  await table?.drop();
});

const accounts = new Set<string>();

/** Accounts are made as the admin CLI makes them; webhooks must be in the plan for anything to be sent. */
async function ensureAccount(accountId: string): Promise<void> {
  if (accounts.has(accountId)) return;
  accounts.add(accountId);
  await management.accounts.createAccount({ accountId, name: accountId, webhooksEnabled: true, maxEndpoints: 50, createdAt: new Date().toISOString() });
}

/** The account's plan loses webhooks after its endpoints were made (endpoints cannot be made without them). */
async function dropWebhooksFromPlan(accountId: string): Promise<void> {
  await management.table.documents.send(
    new UpdateCommand({ TableName: management.table.name, Key: { pk: `ACCOUNT#${accountId}`, sk: 'ACCOUNT' }, UpdateExpression: 'SET webhooksEnabled = :off', ExpressionAttributeValues: { ':off': false } }),
  );
}

async function endpointWithReceiver(
  accountId: string,
  events: string[],
  webhooksEnabled = true,
): Promise<{ endpoint: Endpoint; receiver: Receiver }> {
  await ensureAccount(accountId);
  const secret = generateSecret();
  const receiver = await startReceiver({ secret });
  receivers.push(receiver);
  const now = new Date().toISOString();
  const endpoint: Endpoint = {
    accountId,
    endpointId: `ep_test${++endpointCounter}`,
    url: receiver.url,
    events,
    status: 'active',
    secret,
    consecutiveFailures: 0,
    createdAt: now,
    updatedAt: now,
  };
  expect(await management.endpoints.createEndpoint(endpoint)).toBe('created');
  if (!webhooksEnabled) await dropWebhooksFromPlan(accountId);
  return { endpoint, receiver };
}

/** A delivery as stored, whoever's it is. */
async function storedDelivery(deliveryId: string) {
  const [item] = await management.table.batchGet([{ pk: `DELIVERY#${deliveryId}`, sk: 'DELIVERY' }]);
  return item ? deliveryFromItem(item) : undefined;
}

function clickMessage(accountId: string, data: Record<string, unknown> = CLICK): string {
  return JSON.stringify(eventBridgeEnvelope('click', { account_id: accountId, data }));
}

test('delivers a click signed and logs the attempt', async () => {
  const { endpoint, receiver } = await endpointWithReceiver('acct_delivers', ['click']);
  const result = await handler(sqsEvent([clickMessage('acct_delivers')], queueArn), context);
  expect(result.batchItemFailures).toEqual([]);

  const [webhook] = await receiver.waitForCount(1);
  expect(webhook?.verified).toBe(true);
  expect(webhook?.body).toEqual({ event: 'click', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), data: CLICK });
  expect(webhook?.rawBody.startsWith('{"event":"click","timestamp":"')).toBe(true);
  const deliveryId = deliveryIdFor('acct_delivers', 'click:abc123def456', endpoint.endpointId);
  expect(webhook?.headers).toMatchObject({
    'content-type': 'application/json',
    'x-georedir-event': 'click',
    'x-georedir-delivery': deliveryId,
    'x-georedir-attempt': '1',
    'user-agent': expect.stringMatching(/^GeoRedir-Webhooks\/\d+\.\d+\.\d+$/),
  });
  // Standard Webhooks headers verify with the stock library.
  const headers = Object.fromEntries(Object.entries(webhook!.headers).map(([name, value]) => [name, String(value)]));
  expect(new Webhook(endpoint.secret).verify(webhook!.rawBody, headers)).toEqual(webhook?.body);

  const delivery = await storedDelivery(deliveryId);
  expect(delivery).toMatchObject({ status: 'succeeded', attemptCount: 1, eventType: 'click' });
  const attempts = (await storedDelivery(deliveryId))?.attempts ?? [];
  expect(attempts).toHaveLength(1);
  expect(attempts[0]).toMatchObject({ attempt: 1, outcome: 'succeeded', statusCode: 200, responseExcerpt: '{"received":true}' });
});

test('fans out to subscribed endpoints only, never across accounts', async () => {
  const clicks = await endpointWithReceiver('acct_fanout', ['click']);
  const everything = await endpointWithReceiver('acct_fanout', ['*']);
  const linksOnly = await endpointWithReceiver('acct_fanout', ['link.created']);
  const otherAccount = await endpointWithReceiver('acct_other', ['*']);

  await handler(sqsEvent([clickMessage('acct_fanout')], queueArn), context);
  await clicks.receiver.waitForCount(1);
  await everything.receiver.waitForCount(1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(linksOnly.receiver.received).toHaveLength(0);
  expect(otherAccount.receiver.received).toHaveLength(0);
});

test('events of an unknown account, or of one whose plan has no webhooks, are rejected and never sent', async () => {
  const downgraded = await endpointWithReceiver('acct_no_webhooks', ['*'], false);
  const result = await handler(
    sqsEvent([clickMessage('acct_no_webhooks'), clickMessage('acct_never_created')], queueArn),
    context,
  );
  expect(result.batchItemFailures).toEqual([]);
  const reasons = (await listRejectedEventsOfDay(table.client, table.tableName, new Date().toISOString().slice(0, 10))).map((entry) => entry.reason);
  expect(reasons).toContain('webhooks are not in the plan of account acct_no_webhooks');
  expect(reasons).toContain('unknown account acct_never_created');
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(downgraded.receiver.received).toHaveLength(0);
});

test('the same event arriving twice is sent once to an endpoint that answered 2xx', async () => {
  const { receiver } = await endpointWithReceiver('acct_duplicate', ['click']);
  const message = clickMessage('acct_duplicate');
  await handler(sqsEvent([message], queueArn), context);
  // A duplicate PutEvents gets a new envelope id; the payload's click_id keeps the event identity.
  await handler(sqsEvent([message, clickMessage('acct_duplicate')], queueArn), context);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(receiver.received).toHaveLength(1);
});

test('an invalid event is rejected with a reason and never delivered', async () => {
  const { receiver } = await endpointWithReceiver('acct_invalid', ['*']);
  const bad = JSON.stringify(eventBridgeEnvelope('click', { account_id: 'acct_invalid', data: { ...CLICK, link_id: 'forty-two' } }));
  const result = await handler(sqsEvent([bad], queueArn), context);
  expect(result.batchItemFailures).toEqual([]);
  const rejected = await listRejectedEventsOfDay(table.client, table.tableName, new Date().toISOString().slice(0, 10));
  expect(rejected.some((entry) => entry.reason.includes('link_id'))).toBe(true);
  expect(receiver.received).toHaveLength(0);
});

test('a failing receiver gets its retries through SQS DelaySeconds, then through a one-shot schedule', async () => {
  const { endpoint, receiver } = await endpointWithReceiver('acct_retry', ['click']);
  receiver.respondWith(500, 'upstream exploded');
  const clickId = 'retry-click-1';
  const deliveryId = deliveryIdFor('acct_retry', `click:${clickId}`, endpoint.endpointId);

  const before = Date.now();
  await handler(sqsEvent([clickMessage('acct_retry', { ...CLICK, click_id: clickId })], queueArn), context);
  await receiver.waitForCount(1);

  // First retry: 60 s (plus up to 10% jitter), through the retry queue's DelaySeconds.
  const delayed = aws.sqs.peekMessages(RETRY_QUEUE).filter((message) => message.body.includes(deliveryId));
  expect(delayed).toHaveLength(1);
  const retryMessage = JSON.parse(delayed[0]!.body);
  expect(retryMessage).toEqual({ kind: 'retry', deliveryId, accountId: 'acct_retry', endpointId: endpoint.endpointId, attempt: 2 });
  expect(delayed[0]!.visibleAt - before).toBeGreaterThanOrEqual(59_000);
  expect(delayed[0]!.visibleAt - Date.now()).toBeLessThanOrEqual((60 + maxJitterSeconds(60)) * 1000);
  expect(await storedDelivery(deliveryId)).toMatchObject({ status: 'pending', attemptCount: 1, retryScheduledFor: 2 });
  const [firstAttempt] = (await storedDelivery(deliveryId))?.attempts ?? [];
  expect(firstAttempt).toMatchObject({ outcome: 'failed', statusCode: 500, errorClass: 'http_status', responseExcerpt: 'upstream exploded' });

  // The retry arrives (as SQS would hand it over) and fails again: 1800 s > 900 s, so Scheduler.
  const retryAt = Date.now();
  await handler(sqsEvent([delayed[0]!.body], queueArn), context);
  const [, second] = await receiver.waitForCount(2);
  expect(second?.headers['x-georedir-attempt']).toBe('2');
  expect(second?.headers['x-georedir-delivery']).toBe(deliveryId);
  expect(second?.verified).toBe(true);

  const scheduler = new SchedulerClient(localClientConfig(aws.url));
  const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: SCHEDULE_GROUP, NamePrefix: `retry-${deliveryId}` }));
  expect(listed.Schedules?.map((schedule) => schedule.Name)).toEqual([`retry-${deliveryId}-3`]);
  const schedule = await scheduler.send(new GetScheduleCommand({ Name: `retry-${deliveryId}-3`, GroupName: SCHEDULE_GROUP }));
  const at = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(schedule.ScheduleExpression ?? '');
  expect(at).not.toBeNull();
  const firesAt = Date.parse(`${at![1]}Z`);
  expect(firesAt - retryAt).toBeGreaterThanOrEqual(1799_000);
  expect(firesAt - Date.now()).toBeLessThanOrEqual((1800 + maxJitterSeconds(1800)) * 1000 + 1000);
  expect(schedule).toMatchObject({
    ActionAfterCompletion: 'DELETE',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: queueArn, RoleArn: SCHEDULER_ROLE_ARN, DeadLetterConfig: { Arn: aws.sqs.queueArn('scheduler-dlq') } },
  });
  expect(JSON.parse(schedule.Target?.Input ?? '{}')).toEqual({ kind: 'retry', deliveryId, accountId: 'acct_retry', endpointId: endpoint.endpointId, attempt: 3 });
  scheduler.destroy();

  // A duplicate of the already-used retry message changes nothing.
  await handler(sqsEvent([delayed[0]!.body], queueArn), context);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(receiver.received).toHaveLength(2);
});

test('after the last retry fails the delivery is failed and nothing more is scheduled', async () => {
  const { endpoint, receiver } = await endpointWithReceiver('acct_exhaust', ['click']);
  receiver.respondWith(503);
  const deliveryId = deliveryIdFor('acct_exhaust', 'click:exhaust-1', endpoint.endpointId);
  await handler(sqsEvent([clickMessage('acct_exhaust', { ...CLICK, click_id: 'exhaust-1' })], queueArn), context);
  for (const attempt of [2, 3, 4]) {
    await handler(sqsEvent([JSON.stringify({ kind: 'retry', deliveryId, accountId: 'acct_exhaust', endpointId: endpoint.endpointId, attempt })], queueArn), context);
  }
  expect(receiver.received.map((webhook) => webhook.headers['x-georedir-attempt'])).toEqual(['1', '2', '3', '4']);
  expect(await storedDelivery(deliveryId)).toMatchObject({ status: 'failed', attemptCount: 4 });
  const attempts = (await storedDelivery(deliveryId))?.attempts ?? [];
  expect(attempts.map((attempt) => attempt.nextRetryAt === undefined)).toEqual([false, false, false, true]);
});

test('an endpoint that hangs does not hold back the others in the batch', async () => {
  const slow = await endpointWithReceiver('acct_slow', ['click']);
  const fast = await endpointWithReceiver('acct_fast', ['click']);
  // The slow receiver would answer only after the 2 s delivery timeout.
  slow.receiver.delayAnswers(10_000);
  const slowMessage = clickMessage('acct_slow', { ...CLICK, click_id: 'slow-1' });
  const fastMessage = clickMessage('acct_fast', { ...CLICK, click_id: 'fast-1' });
  const run = handler(sqsEvent([slowMessage, fastMessage], queueArn), context);
  const [[slowRequest], [fastRequest]] = await Promise.all([slow.receiver.waitForCount(1), fast.receiver.waitForCount(1)]);
  // The fast delivery went out while the slow one was still waiting for its answer, not after
  // its 2 s timeout: measured between the two requests, so a slow machine does not count.
  expect(fastRequest!.at - slowRequest!.at).toBeLessThan(2000);
  const result = await run;
  expect(result.batchItemFailures).toEqual([]);
  const [timedOut] = (await management.deliveries.listEndpointAttempts('acct_slow', slow.endpoint.endpointId, { limit: 50 })).items;
  expect(timedOut).toMatchObject({ outcome: 'failed', errorClass: 'timeout' });
});

test('Retry-After stretches the wait on 429 and 503 only, never beyond the longest scheduled delay', async () => {
  const cases = [
    { status: 429, retryAfter: '600', expectedDelay: 600 },
    { status: 503, retryAfter: '999999', expectedDelay: 7200 },
    { status: 500, retryAfter: '600', expectedDelay: 60 },
  ];
  for (const [index, { status, retryAfter, expectedDelay }] of cases.entries()) {
    const account = `acct_retry_after_${index}`;
    const { endpoint, receiver } = await endpointWithReceiver(account, ['click']);
    receiver.respondWith(status, 'slow down', { 'retry-after': retryAfter });
    const clickId = `retry-after-${index}`;
    const deliveryId = deliveryIdFor(account, `click:${clickId}`, endpoint.endpointId);
    const before = Date.now();
    await handler(sqsEvent([clickMessage(account, { ...CLICK, click_id: clickId })], queueArn), context);
    const delivery = await storedDelivery(deliveryId);
    const plannedDelay = (Date.parse(delivery?.nextAttemptAt ?? '') - before) / 1000;
    expect(plannedDelay).toBeGreaterThanOrEqual(expectedDelay - 1);
    expect(plannedDelay).toBeLessThanOrEqual(expectedDelay + maxJitterSeconds(expectedDelay) + 5);
  }
});

test('every item this run touched is one the dispatcher role may touch (lib/table-access.ts)', () => {
  expect(recordedRun.accesses.length).toBeGreaterThan(0);
  expect(recordedRun.refused(DISPATCHER_TABLE_GRANTS)).toEqual([]);
});
