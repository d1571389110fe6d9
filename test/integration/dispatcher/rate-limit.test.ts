// A per-endpoint rate limit shared by two dispatcher instances: each built by the composition root
// with its own AWS clients, against DynamoDB Local and the local retry queue, sending to a real
// receiver. The two take slots of one schedule on the endpoint item, so the receiver never sees
// more than the limit in any second (give or take a late send), and every event arrives once, signed, as attempt 1.
import type { KMSClient } from '@aws-sdk/client-kms';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHttpSender } from '../../../lambdas/adapters/http-sender';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import type { KmsSecretBox } from '../../../lambdas/adapters/secret-box';
import type { DeliveryService, QueueMessage } from '../../../lambdas/delivery/delivery-service';
import type { HttpSender } from '../../../lambdas/delivery/ports';
import { loadDispatcherConfig } from '../../../lambdas/dispatcher/config';
import { createDeliveryService } from '../../../lambdas/dispatcher/create-delivery-service';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import type { Endpoint } from '../../../lambdas/domain/model';
import { generateSecret } from '../../../lambdas/domain/signing';
import { createAwsClients } from '../../../lambdas/shared/aws-clients';
import type { AwsEndpoint } from '../../../local/aws-endpoint';
import { endpointSecretBox, TEST_SECRETS_KEY } from '../../support/local-kms';
import { startReceiver, type Receiver } from '../../support/receiver';
import { eventBridgeEnvelope } from '../../support/sqs-event';
import { localDispatcherEnv, startDispatcherAws } from '../../support/dispatcher-env';
import { createTestTable, type TestTable } from '../../support/table';

const RETRY_QUEUE = 'retry';
const ACCOUNT = 'acct_limited';
const RATE_LIMIT = 20;
const EVENTS = 60;

let table: TestTable;
let aws: AwsEndpoint;
let management: ManagementStore;
let sealer: KmsSecretBox;
let kms: KMSClient;
let receiver: Receiver;
let dispatchers: DeliveryService[];
const metrics: string[] = [];
/** When the dispatchers started each send: what the limit paces (arrivals add the network and this process's scheduling). */
const sendStarts: number[] = [];
const timed = (sender: HttpSender): HttpSender => ({
  send: (url, headers, body) => (sendStarts.push(Date.now()), sender.send(url, headers, body)),
  close: () => sender.close(),
});

beforeAll(async () => {
  table = await createTestTable();
  aws = await startDispatcherAws(RETRY_QUEUE);
  const env = localDispatcherEnv(aws, { tableName: table.tableName, retryQueue: RETRY_QUEUE, secretsKeyArn: TEST_SECRETS_KEY.arn }, { DELIVERY_TIMEOUT_MS: '2000' });
  Object.assign(process.env, env);
  ({ box: sealer, kms } = endpointSecretBox(aws.url));
  management = new ManagementStore(table.client, table.tableName, 30, sealer);
  await management.accounts.createAccount({ accountId: ACCOUNT, name: ACCOUNT, webhooksEnabled: true, maxEndpoints: 5, createdAt: new Date().toISOString() });
  const secret = generateSecret();
  receiver = await startReceiver({ secret });
  const now = new Date().toISOString();
  // Established (it has answered 2xx before), so every batch sends to it inline, and only the limit holds them back.
  const endpoint: Endpoint = {
    accountId: ACCOUNT,
    endpointId: 'ep_limited',
    url: receiver.url,
    events: ['click'],
    status: 'active',
    secret,
    consecutiveFailures: 0,
    lastSuccessAt: now,
    createdAt: now,
    updatedAt: now,
  };
  expect(await management.endpoints.createEndpoint(endpoint)).toBe('created');
  await management.table.documents.send(
    new UpdateCommand({ TableName: table.tableName, Key: { pk: `ENDPOINT#${ACCOUNT}#ep_limited`, sk: 'ENDPOINT' }, UpdateExpression: 'SET rateLimit = :limit', ExpressionAttributeValues: { ':limit': RATE_LIMIT } }),
  );
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  // Two instances: their own clients and caches, one table.
  dispatchers = [0, 1].map(() => {
    const config = loadDispatcherConfig();
    const sender = timed(createHttpSender({ allowPrivate: config.allowPrivateEndpoints, timeoutMs: config.deliveryTimeoutMs }));
    return createDeliveryService({ config, clients: createAwsClients(), log, sender, count: (metric) => metrics.push(metric) });
  });
});

afterAll(async () => {
  await receiver?.close();
  kms?.destroy();
  await aws?.close();
  await table?.drop();
});

let messageIds = 0;
const message = (body: string): QueueMessage => ({ id: `m${(messageIds += 1)}`, body });
const click = (index: number) =>
  message(JSON.stringify(eventBridgeEnvelope('click', { account_id: ACCOUNT, data: { ...EVENT_CATALOGUE.click.example, click_id: `limited-${index}` } })));

/**
 * Feeds the retry queue's messages to the two instances in turn, as the retry lane's poller would
 * (several invocations at once), until every event has arrived.
 */
async function drainRetryQueue(until: () => boolean, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  const running = new Set<Promise<void>>();
  let turn = 0;
  while (!until()) {
    if (Date.now() > deadline) throw new Error(`retry queue not drained within ${limitMs} ms (${receiver.received.length} of ${EVENTS} arrived)`);
    const received = await aws.sqs.receiveMessages(RETRY_QUEUE, { maxNumberOfMessages: 10, waitTimeSeconds: 1 });
    if (received.length === 0) continue;
    const invocation = dispatchers[(turn += 1) % 2]!
      .handleBatch(received.map((entry) => ({ id: entry.messageId, body: entry.body })))
      .then((failed) => {
        for (const entry of received) if (!failed.includes(entry.messageId)) aws.sqs.deleteMessage(RETRY_QUEUE, entry.receiptHandle);
      })
      .finally(() => running.delete(invocation));
    running.add(invocation);
  }
  await Promise.all(running);
}

test('two dispatchers keep one endpoint to its limit together: no second has more than the limit, every event arrives once as attempt 1', async () => {
  const batches = Array.from({ length: 6 }, (_, batch) => Array.from({ length: EVENTS / 6 }, (_, index) => click(batch * (EVENTS / 6) + index)));
  // Six event batches of ten at once, three per instance.
  await Promise.all(batches.map((batch, index) => dispatchers[index % 2]!.handleBatch(batch).then((failed) => expect(failed).toEqual([]))));
  await drainRetryQueue(() => receiver.received.length >= EVENTS, 30_000);

  const arrivals = receiver.received.map((request) => request.at).sort((a, b) => a - b);
  expect(arrivals).toHaveLength(EVENTS);
  expect(receiver.received.every((request) => request.verified && request.headers['x-georedir-attempt'] === '1')).toBe(true);
  expect(new Set(receiver.received.map((request) => request.headers['x-georedir-delivery'])).size).toBe(EVENTS);
  // Slots are 50 ms apart, so a 1 s window holds 20; a send woken late takes a new slot, and timers
  // fire a little late: the bound is the limit plus 20%.
  const starts = [...sendStarts].sort((a, b) => a - b);
  expect(starts).toHaveLength(EVENTS);
  const most = Math.max(...starts.map((at) => starts.filter((other) => other >= at && other < at + 1000).length));
  expect(most).toBeLessThanOrEqual(RATE_LIMIT * 1.2);
  // At the limit, 60 sends take about 3 s, not the moment an unlimited endpoint would.
  expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual((EVENTS - 1) * (1000 / RATE_LIMIT) - 100);
  // Waiting is not failing: nothing counted against the endpoint.
  expect(metrics).not.toContain('AttemptsFailed');
  expect(metrics.filter((metric) => metric === 'SendsRateLimited').length).toBeGreaterThan(0);
  const endpoint = await management.endpoints.getEndpoint(ACCOUNT, 'ep_limited');
  expect(endpoint).toMatchObject({ status: 'active', consecutiveFailures: 0 });
}, 60_000);
