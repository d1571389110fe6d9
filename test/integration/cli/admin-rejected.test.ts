// `npm run admin -- rejected --day D` against DynamoDB Local and the local AWS endpoint: as a
// function, and as the command a person runs against the local run's outputs.json or a deployed
// stack (CloudFormation fake). It lists the dispatcher's REJECTED# records of the day and every
// event EventBridge left in the rule target's dead-letter queue, without taking them out.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { AdminError, parseArgs, runAdminCommand, type TableTarget } from '../../../cli/admin';
import { listRejectedEventsOfDay, listRuleDeadLetters } from '../../../cli/rejected-events';
import { noEndpointSecrets } from '../../../lambdas/adapters/endpoint-items';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import { type AwsEndpoint, startAwsEndpoint } from '../../../local/aws-endpoint';
import { type FakeCloudFormation, startFakeCloudFormation } from '../../support/cloudformation-fake';
import { dynamoDbEndpoint } from '../../support/dynamodb-local';
import { localClientConfig, type SdkClients, sdkClients } from '../../support/sdk-clients';
import { createTestTable, type TestTable } from '../../support/table';

const DAY = '2026-11-27';
const EXCERPT = `{"version":"0","id":"env-2","detail-type":"refund.issued","source":"georedir","detail":{"account_id":"acct_1","data":{"note":"${'x'.repeat(300)}"}}}`;

const BUS = 'georedir-webhooks';
/** Small enough that a modest event's envelope does not fit, as 256 KiB once was for the largest. */
const DISPATCH_MAX_BYTES = 2_048;

let table: TestTable;
let target: TableTarget;
let store: ManagementStore;
let cloudFormation: FakeCloudFormation;
let workDir: string;
let aws: AwsEndpoint;
let clients: SdkClients;
let sqs: SQSClient;

/** A rejected event exactly as the dispatcher lays it out (lambdas/adapters/table-design.ts). */
async function putRejected(receivedAt: string, envelopeId: string, reason: string, excerpt = '{}') {
  await DynamoDBDocumentClient.from(table.client).send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        pk: `REJECTED#${receivedAt.slice(0, 10)}`,
        sk: `${receivedAt}#${envelopeId}`,
        envelopeId,
        reason,
        receivedAt,
        excerpt,
        expiresAt: 1_900_000_000,
      },
    }),
  );
}

beforeAll(async () => {
  table = await createTestTable();
  target = { tableName: table.tableName, client: table.client };
  // As the admin CLI builds it: accounts, keys and rejected events, never an endpoint's secret.
  store = new ManagementStore(table.client, table.tableName, 30, noEndpointSecrets('the admin CLI'));
  cloudFormation = await startFakeCloudFormation();
  workDir = mkdtempSync(join(tmpdir(), 'admin-rejected-'));
  // The local AWS endpoint as the local run starts it: DynamoDB passed through, the bus rule's
  // target with its dead-letter queue.
  aws = await startAwsEndpoint({
    port: 0,
    dynamoDbEndpoint: dynamoDbEndpoint(),
    queues: [{ name: 'dispatch', maximumMessageSize: DISPATCH_MAX_BYTES }, { name: 'rule-dlq', maximumMessageSize: 1_048_576 }],
    buses: [{ busName: BUS, rules: [{ name: 'dispatch', eventPattern: { source: ['georedir'] }, targets: [{ id: 'Target0', queueName: 'dispatch', deadLetterQueueName: 'rule-dlq' }] }] }],
    scheduleGroups: [],
  });
  clients = sdkClients(aws.url);
  sqs = new SQSClient(localClientConfig(aws.url));
  // Written out of order, on the day, the day before and the day after.
  await putRejected(`${DAY}T10:00:02.000Z`, 'env-2', 'unknown event type "refund.issued" (detail-type); expected one of click, ...', EXCERPT);
  await putRejected(`${DAY}T09:59:59.000Z`, 'env-1', 'detail.data is not a valid click payload: click_id is required');
  await putRejected('2026-11-26T23:59:59.999Z', 'env-0', 'the day before');
  await putRejected('2026-11-28T00:00:00.000Z', 'env-3', 'the day after');
});

afterAll(async () => {
  sqs?.destroy();
  clients?.destroy();
  await aws?.close();
  rmSync(workDir, { recursive: true, force: true });
  await cloudFormation.close();
  await table.drop();
});

const run = (...argv: string[]) => runAdminCommand(parseArgs(argv), store, target);

it('--json lists exactly that UTC day, oldest first, with the four documented fields and who refused it', async () => {
  const listed = JSON.parse(await run('rejected', '--day', DAY, '--json'));
  expect(listed).toEqual([
    { origin: 'dispatcher', envelopeId: 'env-1', reason: 'detail.data is not a valid click payload: click_id is required', receivedAt: `${DAY}T09:59:59.000Z`, excerpt: '{}' },
    { origin: 'dispatcher', envelopeId: 'env-2', reason: expect.stringContaining('refund.issued'), receivedAt: `${DAY}T10:00:02.000Z`, excerpt: EXCERPT },
  ]);
});

it('prints one event per entry with time, id, reason and the start of the excerpt, and says when the dead-letter queue is unknown', async () => {
  const lines = (await run('rejected', '--day', DAY)).split('\n');
  expect(lines).toHaveLength(5);
  expect(lines[0]).toBe(`${DAY}T09:59:59.000Z  env-1  detail.data is not a valid click payload: click_id is required`);
  expect(lines[2]).toMatch(/^2026-11-27T10:00:02.000Z {2}env-2 {2}unknown event type "refund.issued"/);
  expect(lines[3]).toBe(`    ${EXCERPT.slice(0, 160)}...`);
  expect(lines[4]).toMatch(/^note: the rule's dead-letter queue is unknown/);
  expect((await run('rejected', '--day', '2026-11-25')).split('\n')[0]).toBe('no rejected events on 2026-11-25');
});

/** A click whose envelope is over the dispatch queue's maximum: EventBridge accepts it, then dead-letters it. */
async function publishTooLarge(note: string): Promise<string> {
  const detail = JSON.stringify({ account_id: 'acct_1', data: { click_id: note, note: 'x'.repeat(DISPATCH_MAX_BYTES) } });
  const answer = await clients.events.send(new PutEventsCommand({ Entries: [{ EventBusName: BUS, Source: 'georedir', DetailType: 'click', Detail: detail }] }));
  expect(answer.FailedEntryCount).toBe(0);
  return answer.Entries![0]!.EventId!;
}

describe("the rule's dead-letter queue", () => {
  const dlqUrl = () => aws.sqs.queueUrl('rule-dlq');
  const withQueue = (): TableTarget => ({ ...target, ruleDeadLetterQueue: { url: dlqUrl(), client: sqs } });
  const visible = () => aws.sqs.peekMessages('rule-dlq').filter((message) => message.visibleAt <= Date.now());
  afterEach(() => aws.sqs.purgeQueue('rule-dlq'));

  it('lists what EventBridge dead-lettered, whatever the day, with its reason, and leaves every message in the queue, visible', async () => {
    const eventId = await publishTooLarge('too-large');
    const listed = JSON.parse(await runAdminCommand(parseArgs(['rejected', '--day', '2026-11-25', '--json']), store, withQueue()));
    expect(listed).toEqual([
      {
        origin: 'rule-dead-letter-queue',
        envelopeId: eventId,
        reason: `EventBridge could not deliver it to the rule's target (SDK_CLIENT_ERROR): InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than ${DISPATCH_MAX_BYTES} bytes.`,
        receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        excerpt: expect.stringContaining(`"id":"${eventId}"`),
      },
    ]);
    expect(visible()).toHaveLength(1);
    // Still there for whoever redrives it.
    const { Messages } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl(), VisibilityTimeout: 0 }));
    expect(JSON.parse(Messages![0]!.Body!).id).toBe(eventId);

    const text = (await runAdminCommand(parseArgs(['rejected', '--day', DAY]), store, withQueue())).split('\n');
    expect(text.slice(0, 4)).toEqual([expect.stringContaining('env-1'), expect.any(String), expect.stringContaining('env-2'), expect.any(String)]);
    expect(text[4]).toBe("in the rule's dead-letter queue, whatever their day (1): EventBridge could not put them on the dispatch queue");
    expect(text[5]).toMatch(new RegExp(`^\\S+ {2}${eventId} {2}EventBridge could not deliver it to the rule's target \\(SDK_CLIENT_ERROR\\): InvalidParameterValue`));
    aws.sqs.purgeQueue('rule-dlq');
    expect((await runAdminCommand(parseArgs(['rejected', '--day', '2026-11-25']), store, withQueue())).split('\n')).toEqual([
      'no rejected events on 2026-11-25',
      "the rule's dead-letter queue is empty",
    ]);
  });

  it('reads past the first ten messages, each once, oldest first, and stops at its limit', async () => {
    const published: string[] = [];
    for (let index = 0; index < 13; index += 1) published.push(await publishTooLarge(`c-${index}`));
    const listing = await listRuleDeadLetters(sqs, dlqUrl());
    expect(listing.truncated).toBe(false);
    expect(listing.events.map((event) => event.envelopeId).sort()).toEqual([...published].sort());
    expect(visible()).toHaveLength(13);

    const limited = await listRuleDeadLetters(sqs, dlqUrl(), 10);
    expect(limited).toMatchObject({ truncated: true, events: expect.any(Array) });
    expect(limited.events).toHaveLength(10);
    expect(visible()).toHaveLength(13);
  });
});

it('refuses a missing or malformed day', async () => {
  await expect(run('rejected')).rejects.toThrow(new AdminError('--day is required'));
  for (const day of ['27.11.2026', '2026-11-31', '2026-1-5', 'today']) {
    await expect(run('rejected', '--day', day)).rejects.toThrow(AdminError);
  }
});

it('follows DynamoDB pages to the end', async () => {
  const day = '2026-10-01';
  for (let index = 0; index < 5; index += 1) await putRejected(`${day}T00:00:0${index}.000Z`, `page-${index}`, 'paged');
  const listed = await listRejectedEventsOfDay(table.client, table.tableName, day, 2);
  expect(listed.map((event) => event.envelopeId)).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
});

/** Runs cli/admin.ts as `npm run admin` does and returns its stdout. */
function runCli(argv: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise<string>((done, fail) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', join(resolve(__dirname, '../../..'), 'cli/admin.ts'), ...argv],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'unused', AWS_SECRET_ACCESS_KEY: 'unused', ...env } },
      (error, out, err) => (error ? fail(new Error(`${error.message}\n${err}`)) : done(out)),
    ),
  );
}

it('runs as a command against the local run (outputs.json, found through LOCAL_OUTPUT_DIR or --outputs) and against a deployed stack (--stack)', async () => {
  const deadLettered = await publishTooLarge('cli');
  writeFileSync(
    join(workDir, 'outputs.json'),
    JSON.stringify({ tableName: table.tableName, awsEndpoint: aws.url, region: 'us-east-1', ruleDeadLetterQueueUrl: aws.sqs.queueUrl('rule-dlq') }),
  );
  const byOrigin = (events: Array<{ origin: string; envelopeId: string }>) => events.map((event) => `${event.origin} ${event.envelopeId}`);
  const expected = ['dispatcher env-1', 'dispatcher env-2', `rule-dead-letter-queue ${deadLettered}`];
  // As `npm start` with LOCAL_OUTPUT_DIR writes it, and named outright.
  expect(byOrigin(JSON.parse(await runCli(['rejected', '--day', DAY, '--json'], { LOCAL_OUTPUT_DIR: workDir })))).toEqual(expected);
  expect(byOrigin(JSON.parse(await runCli(['rejected', '--day', DAY, '--json', '--outputs', join(workDir, 'outputs.json')])))).toEqual(expected);

  cloudFormation.putStack('GeoRedirWebhooks', { outputs: { TableName: table.tableName, RuleDeadLetterQueueUrl: aws.sqs.queueUrl('rule-dlq') } });
  const deployed = await runCli(
    ['rejected', '--day', DAY, '--stack', 'GeoRedirWebhooks', '--region', 'eu-west-1', '--endpoint', dynamoDbEndpoint()],
    { AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url, AWS_ENDPOINT_URL_SQS: aws.url },
  );
  expect(deployed).toContain(`${DAY}T10:00:02.000Z  env-2  unknown event type "refund.issued"`);
  expect(deployed).toContain(`${deadLettered}  EventBridge could not deliver it to the rule's target (SDK_CLIENT_ERROR)`);
  expect(aws.sqs.peekMessages('rule-dlq')).toHaveLength(1);

  // A stack deployed before the output existed: the dispatcher's records, and a note saying why not the queue.
  cloudFormation.putStack('OlderStack', { outputs: { TableName: table.tableName } });
  const older = await runCli(['rejected', '--day', DAY, '--stack', 'OlderStack', '--region', 'eu-west-1', '--endpoint', dynamoDbEndpoint()], {
    AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
  });
  expect(older).toContain('env-2');
  expect(older).toContain('note: stack OlderStack has no RuleDeadLetterQueueUrl output');
  aws.sqs.purgeQueue('rule-dlq');
});
