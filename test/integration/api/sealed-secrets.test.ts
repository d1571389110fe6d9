// Endpoint secrets and custom header values are never stored in plain text. Endpoints are made,
// changed and rotated (now and scheduled) through the management API (the real handler, sealing
// with the local KMS over HTTP), some with an Idempotency-Key; the dispatcher's composition root
// delivers to them from the same table and KMS, signed as receivers check; then a Scan of the whole
// table and its index, and every record of its stream, hold no `whsec_` and no header value.
// Idempotency records keep no secret either: a replay reads the endpoint's current one again.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../lambdas/adapters/table-keys';
import { loadDispatcherConfig } from '../../../lambdas/dispatcher/config';
import { createDeliveryService } from '../../../lambdas/dispatcher/create-delivery-service';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { createAwsClients } from '../../../lambdas/shared/aws-clients';
import { dynamoDbEndpoint } from '../../support/dynamodb-local';
import { startReceiver, type Receiver } from '../../support/receiver';
import { eventBridgeEnvelope } from '../../support/sqs-event';
import { streamText, tableText } from '../../support/stored-text';
import { type Harness, RETRY_QUEUE, startHarness } from './harness';

let h: Harness;
const receivers: Receiver[] = [];
const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  h = await startHarness({ stream: true });
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await h.close();
});

const receiver = async () => {
  const started = await startReceiver();
  receivers.push(started);
  return started;
};

/** The stored Idempotency-Key record's answer. */
const storedAnswer = async (accountId: string, key: string) =>
  (await h.store.table.documents.send(new GetCommand({ TableName: h.table.tableName, Key: keys.idempotency(accountId, key), ConsistentRead: true }))).Item?.response as
    | { body: string; secretOf?: string }
    | undefined;

test('after creates, header changes, rotations (now and scheduled) and deliveries, neither the table, its index nor its stream holds a secret or a header value', async () => {
  const { apiKey, accountId } = await h.newAccount();
  const now = await receiver();
  const later = await receiver();
  const headerValues = ['Bearer tok_live_0123456789abcdef', 'key-fedcba9876543210', 'extra-value-24680'];

  const a = await h.request('POST', '/v1/endpoints', {
    apiKey,
    headers: { 'idempotency-key': 'sealed-create-a' },
    body: { url: now.url, events: ['click'], headers: { Authorization: headerValues[0], 'X-Api-Key': headerValues[1] } },
  });
  expect(a.status).toBe(201);
  expect((await h.request('PATCH', `/v1/endpoints/${a.json.id}`, { apiKey, body: { headers: { 'X-Extra': headerValues[2] } } })).status).toBe(200);
  const rotatedA = await h.request('POST', `/v1/endpoints/${a.json.id}/rotate-secret`, { apiKey, headers: { 'idempotency-key': 'sealed-rotate-a' } });
  expect(rotatedA.status).toBe(200);
  const b = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: later.url, events: ['click'], headers: { Authorization: headerValues[0] } } });
  const activateAt = new Date(Date.now() + 3_600_000).toISOString();
  const rotatedB = await h.request('POST', `/v1/endpoints/${b.json.id}/rotate-secret`, { apiKey, body: { activateAt } });
  expect(rotatedB.json.secretActivatesAt).toBe(activateAt);
  // X-GeoRedir-Signature: a's new secret at once; b's old one until the scheduled switch.
  now.secret = rotatedA.json.secret;
  later.secret = b.json.secret;

  const dispatcher = createDeliveryService({
    config: loadDispatcherConfig({
      ...process.env,
      RETRY_QUEUE_ARN: h.aws.sqs.queueArn(RETRY_QUEUE),
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/webhook-retry-scheduler',
      SCHEDULER_DEAD_LETTER_QUEUE_ARN: h.aws.sqs.queueArn('scheduler-dlq'),
      EVENT_BUS_NAME: 'georedir-webhooks',
    }),
    clients: createAwsClients(),
    log: SILENT,
  });
  const click = eventBridgeEnvelope('click', { account_id: accountId, data: { ...EVENT_CATALOGUE.click.example, click_id: 'sealed-1' } });
  expect(await dispatcher.handleBatch([{ id: 'm1', body: JSON.stringify(click) }])).toEqual([]);
  const [toA] = await now.waitForCount(1);
  const [toB] = await later.waitForCount(1);
  expect(toA).toMatchObject({ verified: true, headers: { authorization: headerValues[0], 'x-api-key': headerValues[1], 'x-extra': headerValues[2] } });
  expect(toB).toMatchObject({ verified: true, headers: { authorization: headerValues[0] } });

  const streamArn = (await h.table.client.send(new DescribeTableCommand({ TableName: h.table.tableName }))).Table!.LatestStreamArn!;
  const secrets = [a.json.secret, rotatedA.json.secret, b.json.secret, rotatedB.json.secret] as string[];
  for (const [where, text] of [
    ['table', await tableText(h.table.client, h.table.tableName)],
    ['stream', await streamText(dynamoDbEndpoint(), streamArn)],
  ] as const) {
    expect(text).toContain(a.json.id);
    for (const needle of ['whsec_', ...secrets.map((secret) => secret.slice('whsec_'.length)), ...headerValues]) {
      expect({ where, found: text.includes(needle) ? needle : undefined }).toEqual({ where, found: undefined });
    }
  }
});

describe('Idempotency-Key records hold no secret', () => {
  it("replays a create with the endpoint's secret read again: the same, after a rotation the current one, after a delete none", async () => {
    const { apiKey, accountId } = await h.newAccount();
    const request = { apiKey, headers: { 'idempotency-key': 'create-replayed' }, body: { url: 'http://127.0.0.1:9/replayed', events: ['click'] } };
    const first = await h.request('POST', '/v1/endpoints', request);
    expect(first.status).toBe(201);
    const stored = await storedAnswer(accountId, 'create-replayed');
    expect(stored?.secretOf).toBe(first.json.id);
    expect(JSON.parse(stored!.body)).toEqual({ ...first.json, secret: null });
    expect(JSON.stringify(stored)).not.toContain('whsec_');

    const replayed = await h.request('POST', '/v1/endpoints', request);
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.text).toBe(first.text);

    const rotated = await h.request('POST', `/v1/endpoints/${first.json.id}/rotate-secret`, { apiKey });
    expect((await h.request('POST', '/v1/endpoints', request)).json).toEqual({ ...first.json, secret: rotated.json.secret });

    expect((await h.request('DELETE', `/v1/endpoints/${first.json.id}`, { apiKey })).status).toBe(204);
    const afterDelete = await h.request('POST', '/v1/endpoints', request);
    expect(afterDelete.status).toBe(201);
    expect(afterDelete.json).not.toHaveProperty('secret');
    expect(afterDelete.json.id).toBe(first.json.id);
  });

  it('replays a rotation with the secret it made, without storing it', async () => {
    const { apiKey, accountId } = await h.newAccount();
    const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'http://127.0.0.1:9/rotated', events: ['click'] } });
    const request = { apiKey, headers: { 'idempotency-key': 'rotate-replayed' } };
    const first = await h.request('POST', `/v1/endpoints/${created.json.id}/rotate-secret`, request);
    expect(first.status).toBe(200);
    const stored = await storedAnswer(accountId, 'rotate-replayed');
    expect(stored?.secretOf).toBe(created.json.id);
    expect(JSON.stringify(stored)).not.toContain('whsec_');
    const replayed = await h.request('POST', `/v1/endpoints/${created.json.id}/rotate-secret`, request);
    expect(replayed.text).toBe(first.text);
    expect((await h.request('GET', `/v1/endpoints/${created.json.id}/secret`, { apiKey })).json.secret).toBe(first.json.secret);
  });
});
