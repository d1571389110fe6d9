// Redeliver and recover end to end: the management API (over HTTP) puts a retry message on the
// local dispatch queue, the test takes it off with the SDK as the dispatcher's event source
// mapping would, and the dispatcher's DeliveryService (same table, same queue) sends it to a real
// receiver that verifies the signature as the guide does.
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { createHttpSender } from '../../../lambdas/adapters/http-sender';
import { createRetryScheduler } from '../../../lambdas/adapters/retry-scheduler';
import { DeliveryService } from '../../../lambdas/delivery/delivery-service';
import type { EndpointDisabledEvent, RetryMessage } from '../../../lambdas/delivery/ports';
import { recordWaitLimitSeconds } from '../../../lambdas/dispatcher/config';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { deliveryIdFor } from '../../../lambdas/domain/ids';
import { USER_AGENT } from '../../../lambdas/shared/version';
import { startReceiver, type Receiver } from '../../support/receiver';
import { localClientConfig } from '../../support/sdk-clients';
import { eventBridgeEnvelope } from '../../support/sqs-event';
import { type Harness, RETRY_QUEUE, SCHEDULE_GROUP, startHarness } from './harness';

const EVENT_SOURCE = 'georedir';

let h: Harness;
let sqs: SQSClient;
let scheduler: SchedulerClient;
let service: DeliveryService;
let queueUrl: string;
const receivers: Receiver[] = [];
// Recorded rather than put on a bus: the harness has none, and no test here should disable an endpoint.
const disabledEvents: EndpointDisabledEvent[] = [];

beforeAll(async () => {
  h = await startHarness();
  queueUrl = h.aws.sqs.queueUrl(RETRY_QUEUE);
  sqs = new SQSClient(localClientConfig(h.aws.url));
  scheduler = new SchedulerClient(localClientConfig(h.aws.url));
  service = new DeliveryService({
    store: h.dispatcherStore,
    sender: createHttpSender({ allowPrivate: true, timeoutMs: 2000 }),
    retries: createRetryScheduler({
      sqs,
      scheduler,
      queueUrl,
      scheduleGroupName: SCHEDULE_GROUP,
      schedules: { queueArn: h.aws.sqs.queueArn(RETRY_QUEUE), schedulerRoleArn: 'arn:aws:iam::000000000000:role/webhook-retry-scheduler' },
    }),
    operationalEvents: { endpointDisabled: async (event) => void disabledEvents.push(event) },
    // One retry, a second after the first failure: a failing delivery is exhausted after two attempts.
    retrySchedule: [1],
    eventSource: EVENT_SOURCE,
    deliveryTimeoutMs: 2000,
    recordWaitLimitSeconds: recordWaitLimitSeconds(2000),
    userAgent: USER_AGENT,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
});

/** One message through the dispatcher, as a batch of one; a message it hands back is a test failure. */
async function handle(body: string): Promise<void> {
  const failed = await service.handleBatch([{ id: 'message', body }]);
  if (failed.length > 0) throw new Error('the dispatcher handed the message back to SQS');
}

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  sqs?.destroy();
  scheduler?.destroy();
  await h?.close();
});

afterEach(async () => {
  expect(await receiveDispatchMessages(0)).toEqual([]);
  expect(disabledEvents).toEqual([]);
});

/** Takes every message now visible on the dispatch queue (waiting up to `waitSeconds` for the first). */
async function receiveDispatchMessages(waitSeconds: number): Promise<string[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
  );
  for (const message of Messages) {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  }
  return Messages.map((message) => message.Body ?? '');
}

/** Takes exactly `count` messages, as the dispatcher would receive them. */
async function takeDispatchMessages(count: number): Promise<string[]> {
  const bodies: string[] = [];
  const deadline = Date.now() + 10_000;
  while (bodies.length < count && Date.now() < deadline) bodies.push(...(await receiveDispatchMessages(2)));
  expect(bodies).toHaveLength(count);
  return bodies;
}

interface Subscriber {
  accountId: string;
  apiKey: string;
  endpointId: string;
  receiver: Receiver;
}

/** An account whose endpoint (created through the API) is a real receiver checking its secret. */
async function subscriber(): Promise<Subscriber> {
  const { accountId, apiKey } = await h.newAccount();
  const receiver = await startReceiver();
  receivers.push(receiver);
  const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: receiver.url, events: ['click'] } });
  expect(created.status).toBe(201);
  receiver.secret = created.json.secret;
  return { accountId, apiKey, endpointId: created.json.id, receiver };
}

let clickCounter = 0;

/** Publishes one click as the EventBridge rule hands it to the dispatcher; returns its delivery id. */
async function click(to: Subscriber): Promise<string> {
  const clickId = `e2e${(clickCounter += 1)}x${Date.now()}`;
  const data = { ...EVENT_CATALOGUE.click.example, click_id: clickId };
  await handle(JSON.stringify(eventBridgeEnvelope('click', { account_id: to.accountId, data }, EVENT_SOURCE)));
  return deliveryIdFor(to.accountId, `click:${clickId}`, to.endpointId);
}

/** A click the receiver refuses (500) until its one retry, taken from the queue, fails too. */
async function exhaustedClick(to: Subscriber): Promise<string> {
  to.receiver.respondWith(500);
  const deliveryId = await click(to);
  const [retry] = await takeDispatchMessages(1);
  expect(JSON.parse(retry!)).toEqual({ kind: 'retry', deliveryId, accountId: to.accountId, endpointId: to.endpointId, attempt: 2 } satisfies RetryMessage);
  await handle(retry!);
  expect((await h.store.deliveries.getDelivery(to.accountId, deliveryId))?.status).toBe('failed');
  return deliveryId;
}

function webhooksFor(receiver: Receiver, deliveryId: string) {
  return receiver.received.filter((webhook) => webhook.headers['x-georedir-delivery'] === deliveryId);
}

async function deliveryView(to: Subscriber, deliveryId: string) {
  const answer = await h.request('GET', `/v1/deliveries/${deliveryId}`, { apiKey: to.apiKey });
  expect(answer.status).toBe(200);
  return answer.json;
}

const setStatus = async (to: Subscriber, status: 'active' | 'disabled') =>
  expect((await h.request('PATCH', `/v1/endpoints/${to.endpointId}`, { apiKey: to.apiKey, body: { status } })).status).toBe(200);

test('redeliver: a failed delivery is sent again under the same id with the next attempt number', async () => {
  const to = await subscriber();
  const deliveryId = await exhaustedClick(to);
  expect(webhooksFor(to.receiver, deliveryId).map((webhook) => webhook.headers['x-georedir-attempt'])).toEqual(['1', '2']);

  // While the endpoint is disabled nothing is queued.
  await setStatus(to, 'disabled');
  const refused = await h.request('POST', `/v1/deliveries/${deliveryId}/redeliver`, { apiKey: to.apiKey });
  expect(refused.status).toBe(409);
  expect(refused.json.error.code).toBe('endpoint_disabled');
  expect(await receiveDispatchMessages(0)).toEqual([]);
  expect((await h.request('POST', `/v1/endpoints/${to.endpointId}/enable`, { apiKey: to.apiKey })).status).toBe(200);

  to.receiver.respondWith(200);
  const accepted = await h.request('POST', `/v1/deliveries/${deliveryId}/redeliver`, { apiKey: to.apiKey });
  expect(accepted.status).toBe(202);
  expect(accepted.json).toMatchObject({ id: deliveryId, status: 'pending', attempt: 3 });

  const [message] = await takeDispatchMessages(1);
  expect(JSON.parse(message!)).toEqual({ kind: 'retry', deliveryId, accountId: to.accountId, endpointId: to.endpointId, attempt: 3 });
  await handle(message!);

  const webhooks = webhooksFor(to.receiver, deliveryId);
  expect(webhooks.map((webhook) => webhook.headers['x-georedir-attempt'])).toEqual(['1', '2', '3']);
  expect(webhooks.every((webhook) => webhook.verified)).toBe(true);
  expect(webhooks[2]?.rawBody).toBe(webhooks[0]?.rawBody);

  const view = await deliveryView(to, deliveryId);
  expect(view).toMatchObject({ status: 'succeeded', attemptCount: 3 });
  expect(view.attempts.map((attempt: { attempt: number; outcome: string }) => [attempt.attempt, attempt.outcome])).toEqual([
    [1, 'failed'],
    [2, 'failed'],
    [3, 'succeeded'],
  ]);
  const log = await h.request('GET', `/v1/endpoints/${to.endpointId}/deliveries`, { apiKey: to.apiKey });
  expect(log.json.data.map((entry: { attempt: number; outcome: string }) => [entry.attempt, entry.outcome])).toEqual([
    [3, 'succeeded'],
    [2, 'failed'],
    [1, 'failed'],
  ]);
});

test('recover: failed and skipped deliveries since the given time are sent again, older ones are not', async () => {
  const to = await subscriber();
  const before = await exhaustedClick(to);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const since = new Date().toISOString();

  const failed = await exhaustedClick(to);
  to.receiver.respondWith(200);
  const succeeded = await click(to);
  // Pending with a retry on the queue when the endpoint is disabled: the retry skips it.
  to.receiver.respondWith(500);
  const skippedOnRetry = await click(to);
  const [retry] = await takeDispatchMessages(1);
  await setStatus(to, 'disabled');
  await handle(retry!);
  // Arriving while the endpoint is disabled: skipped at once, never sent.
  const skipped = await click(to);
  expect(webhooksFor(to.receiver, skipped)).toEqual([]);
  for (const [deliveryId, status] of [[skippedOnRetry, 'skipped'], [skipped, 'skipped'], [succeeded, 'succeeded']] as const) {
    expect(await deliveryView(to, deliveryId)).toMatchObject({ status });
  }

  const refused = await h.request('POST', `/v1/endpoints/${to.endpointId}/recover`, { apiKey: to.apiKey, body: { since } });
  expect(refused.status).toBe(409);
  await setStatus(to, 'active');
  to.receiver.respondWith(200);
  const recovered = await h.request('POST', `/v1/endpoints/${to.endpointId}/recover`, { apiKey: to.apiKey, body: { since } });
  expect(recovered.status).toBe(202);
  expect(recovered.json).toEqual({ since, redelivered: [failed, skippedOnRetry, skipped], truncated: false });

  const messages = (await takeDispatchMessages(3)).map((body) => JSON.parse(body) as RetryMessage);
  expect(messages).toEqual(
    expect.arrayContaining([
      { kind: 'retry', deliveryId: failed, accountId: to.accountId, endpointId: to.endpointId, attempt: 3 },
      { kind: 'retry', deliveryId: skippedOnRetry, accountId: to.accountId, endpointId: to.endpointId, attempt: 2 },
      { kind: 'retry', deliveryId: skipped, accountId: to.accountId, endpointId: to.endpointId, attempt: 1 },
    ]),
  );
  for (const message of messages) await handle(JSON.stringify(message));

  for (const [deliveryId, attempts] of [[failed, ['1', '2', '3']], [skippedOnRetry, ['1', '2']], [skipped, ['1']]] as const) {
    const webhooks = webhooksFor(to.receiver, deliveryId);
    expect(webhooks.map((webhook) => webhook.headers['x-georedir-attempt'])).toEqual(attempts);
    expect(webhooks.every((webhook) => webhook.verified)).toBe(true);
    const view = await deliveryView(to, deliveryId);
    expect(view).toMatchObject({ status: 'succeeded', attemptCount: attempts.length });
    expect(view.attempts.at(-1)).toMatchObject({ attempt: attempts.length, outcome: 'succeeded' });
  }
  // The delivery from before `since` and the one that had succeeded were left alone.
  expect(await deliveryView(to, before)).toMatchObject({ status: 'failed', attemptCount: 2 });
  expect(webhooksFor(to.receiver, succeeded)).toHaveLength(1);

  const again = await h.request('POST', `/v1/endpoints/${to.endpointId}/recover`, { apiKey: to.apiKey, body: { since } });
  expect(again.json.redelivered).toEqual([]);
});
