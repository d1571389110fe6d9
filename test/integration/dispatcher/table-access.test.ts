// Every item the dispatcher touches, in a run through each of its paths (a first contact whose
// pilot is given back, a proven endpoint, a failing one retried, a rate-limited one, one that
// answers 410 and is disabled, a retry that finds it disabled, an unknown account, an invalid
// event), recorded at its DynamoDB client and checked against the dispatcher role's grants
// (lib/table-access.ts): nothing outside its LeadingKeys conditions, and every grant used.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import type { KmsSecretBox } from '../../../lambdas/adapters/secret-box';
import type { DeliveryService, QueueMessage } from '../../../lambdas/delivery/delivery-service';
import { loadDispatcherConfig } from '../../../lambdas/dispatcher/config';
import { createDeliveryService } from '../../../lambdas/dispatcher/create-delivery-service';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { deliveryIdFor } from '../../../lambdas/domain/ids';
import type { Endpoint } from '../../../lambdas/domain/model';
import { generateSecret } from '../../../lambdas/domain/signing';
import { createAwsClients } from '../../../lambdas/shared/aws-clients';
import type { AwsEndpoint } from '../../../local/aws-endpoint';
import { DISPATCHER_TABLE_GRANTS } from '../../../lib/table-access';
import { endpointSecretBox, TEST_SECRETS_KEY } from '../../support/local-kms';
import { startReceiver, type Receiver } from '../../support/receiver';
import { eventBridgeEnvelope } from '../../support/sqs-event';
import { localDispatcherEnv, startDispatcherAws } from '../../support/dispatcher-env';
import { createTestTable, type TestTable } from '../../support/table';
import { describeAccess, TableAccessRecorder } from '../../support/table-access-recorder';

const RETRY_QUEUE = 'retry';
const BUS = 'georedir-webhooks';
const ACCOUNT = 'acct_access';

let table: TestTable;
let aws: AwsEndpoint;
let management: ManagementStore;
let sealer: KmsSecretBox;
let kms: { destroy(): void };
let service: DeliveryService;
const recorder = new TableAccessRecorder();
const receivers: Receiver[] = [];

beforeAll(async () => {
  table = await createTestTable();
  aws = await startDispatcherAws(RETRY_QUEUE, BUS);
  Object.assign(
    process.env,
    localDispatcherEnv(
      aws,
      { tableName: table.tableName, retryQueue: RETRY_QUEUE, secretsKeyArn: TEST_SECRETS_KEY.arn, busName: BUS },
      // No account cache: each batch reads the account's endpoints, so a new one counts at once.
      { RETRY_SCHEDULE_SECONDS: '1,1', DELIVERY_TIMEOUT_MS: '3000', ACCOUNT_CACHE_SECONDS: '0' },
    ),
  );
  ({ box: sealer, kms } = endpointSecretBox(aws.url));
  management = new ManagementStore(table.client, table.tableName, 30, sealer);
  await management.accounts.createAccount({ accountId: ACCOUNT, name: ACCOUNT, webhooksEnabled: true, maxEndpoints: 20, createdAt: new Date().toISOString() });
  const clients = createAwsClients();
  recorder.attach(clients.dynamodb);
  service = createDeliveryService({ config: loadDispatcherConfig(), clients, log: { info: () => undefined, warn: () => undefined, error: () => undefined } });
});

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  kms?.destroy();
  await aws?.close();
  await table?.drop();
});

let counter = 0;
const message = (body: unknown): QueueMessage => ({ id: `m${(counter += 1)}`, body: typeof body === 'string' ? body : JSON.stringify(body) });
const click = (accountId: string, clickId: string) =>
  message(eventBridgeEnvelope('click', { account_id: accountId, data: { ...EVENT_CATALOGUE.click.example, click_id: clickId } }));

/** An endpoint made as the API makes it, to a receiver of its own; `proven` as if it had answered 2xx quickly before. */
async function endpoint(id: string, options: { proven?: boolean; rateLimit?: number } = {}): Promise<{ endpoint: Endpoint; receiver: Receiver }> {
  const secret = generateSecret();
  const receiver = await startReceiver({ secret });
  receivers.push(receiver);
  const now = new Date().toISOString();
  const made: Endpoint = {
    accountId: ACCOUNT,
    endpointId: id,
    url: receiver.url,
    events: ['click'],
    status: 'active',
    secret,
    consecutiveFailures: 0,
    ...(options.proven ? { lastSuccessAt: now, provenAt: now } : {}),
    createdAt: now,
    updatedAt: now,
  };
  expect(await management.endpoints.createEndpoint(made)).toBe('created');
  if (options.rateLimit) {
    await management.table.documents.send(
      new UpdateCommand({ TableName: table.tableName, Key: { pk: `ENDPOINT#${ACCOUNT}#${id}`, sk: 'ENDPOINT' }, UpdateExpression: 'SET rateLimit = :limit', ExpressionAttributeValues: { ':limit': options.rateLimit } }),
    );
  }
  return { endpoint: made, receiver };
}

const waitSeconds = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

test('a run through every path touches only what the dispatcher role is granted, and uses every grant', async () => {
  // Each endpoint takes clicks only while it is the one under test: the account's events reach every subscribed endpoint.
  const slowNew = await endpoint('ep_slow_new');
  slowNew.receiver.delayAnswers(700);
  expect(await service.handleBatch([click(ACCOUNT, 'c-slow')])).toEqual([]);
  await management.endpoints.updateEndpoint(ACCOUNT, 'ep_slow_new', { status: 'disabled' }, new Date().toISOString());

  const failing = await endpoint('ep_failing', { proven: true });
  failing.receiver.respondWith(500);
  expect(await service.handleBatch([click(ACCOUNT, 'c-fail')])).toEqual([]);
  // A click's event id is its type and click_id (domain/ingress.ts).
  const deliveryId = deliveryIdFor(ACCOUNT, 'click:c-fail', 'ep_failing');
  await waitSeconds(1.5);
  // The retry, as the retry lane brings it: claimed, sent, recorded.
  expect(await service.handleBatch([message({ kind: 'retry', deliveryId, accountId: ACCOUNT, endpointId: 'ep_failing', attempt: 2 })])).toEqual([]);
  // 410 disables it; the next due retry finds it disabled and closes the delivery as skipped.
  failing.receiver.respondWith(410);
  await waitSeconds(1.5);
  expect(await service.handleBatch([message({ kind: 'retry', deliveryId, accountId: ACCOUNT, endpointId: 'ep_failing', attempt: 3 })])).toEqual([]);

  await endpoint('ep_limited', { proven: true, rateLimit: 5 });
  expect(await service.handleBatch([click(ACCOUNT, 'c-limited-1'), click(ACCOUNT, 'c-limited-2')])).toEqual([]);

  // Producer events nobody will get: an unknown account, an invalid event.
  expect(await service.handleBatch([click('acct_unknown', 'c-unknown'), message('{"not":"an event"}')])).toEqual([]);

  expect(recorder.refused(DISPATCHER_TABLE_GRANTS)).toEqual([]);
  expect(recorder.unused(DISPATCHER_TABLE_GRANTS)).toEqual([]);
  expect(recorder.accesses.map(describeAccess)).toContain('dynamodb:DeleteItem PILOT#*');
});
