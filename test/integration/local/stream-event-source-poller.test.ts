// The local stream poller against DynamoDB Local's real stream: records reach the function in
// Lambda's DynamoDB event shape (images in DynamoDB JSON, binary as base64), only those the
// template's filters pass (either of them); and a persisted table made before the template had a stream gets one.
import { CreateTableCommand, DeleteItemCommand, DeleteTableCommand, DescribeTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { COUNTS_STREAM_FILTERS } from '../../../lib/webhook-delivery';
import { dynamoDbStreamsApi } from '../../../local/dynamodb-streams';
import type { LocalTable } from '../../../local/local-stack';
import { startStreamEventSource, type StreamEventSource } from '../../../local/stream-event-source-poller';
import { ensureTables } from '../../../local/tables';
import { dynamoDbEndpoint } from '../../support/dynamodb-local';
import { createTestTable, type TestTable } from '../../support/table';

let table: TestTable;
let source: StreamEventSource | undefined;

beforeAll(async () => {
  table = await createTestTable({ stream: true });
});

afterAll(async () => {
  await source?.stop();
  await table?.drop();
});

test('hands the function the filtered records of the real stream, in Lambda\'s shape', async () => {
  const { Table: described } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
  const events: DynamoDBStreamEvent[] = [];
  const eventSourceArn = `arn:aws:dynamodb:eu-west-1:000000000000:table/${table.tableName}/stream/local`;
  source = await startStreamEventSource({
    mapping: {
      label: 'test',
      streamArn: described!.LatestStreamArn!,
      eventSourceArn,
      startingPosition: 'LATEST',
      batchSize: 100,
      maximumBatchingWindowSeconds: 0,
      filterPatterns: COUNTS_STREAM_FILTERS,
      reportBatchItemFailures: true,
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: 0,
    },
    streams: dynamoDbStreamsApi(dynamoDbEndpoint()),
    region: 'eu-west-1',
    functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:f',
    invoke: async (event) => void events.push(event),
    log: () => undefined,
    pollIntervalMs: 20,
  });
  const put = (item: Record<string, unknown>) => table.client.send(new PutItemCommand({ TableName: table.tableName, Item: item as never }));
  const key = { pk: { S: 'DELIVERY#dlv_1' }, sk: { S: 'DELIVERY' } };
  await put({ ...key, status: { S: 'pending' }, attemptCount: { N: '1' }, doc: { B: Buffer.from('deflated') } });
  await table.client.send(
    new UpdateItemCommand({ TableName: table.tableName, Key: key, UpdateExpression: 'SET #s = :s, attemptCount = :n', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'succeeded' }, ':n': { N: '2' } } }),
  );
  await put({ pk: { S: 'DELIVERY#dlv_test' }, sk: { S: 'DELIVERY' }, status: { S: 'succeeded' }, test: { BOOL: true } });
  await put({ pk: { S: 'LOG#acct#3' }, sk: { S: '2026-11-28T10:00:00Z#ab' }, status: { S: 'x' } });
  // A log page with filtered counts passes the second filter; its removal (TTL) does not, nor a map
  // under that name (`exists` matches leaf values only, as on AWS).
  const page = { pk: { S: 'LOG#acct#5' }, sk: { S: '2026-11-28T10:00:01.000Z#cd' } };
  await put({ ...page, entries: { S: 'dlv_1 ep_1 click 1 1' }, filtered: { S: 'ep_2 3' } });
  await table.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: page }));
  await put({ pk: { S: 'LOG#acct#6' }, sk: { S: '2026-11-28T10:00:02.000Z#ef' }, filtered: { M: { ep_2: { N: '3' } } } });
  await table.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: key }));
  await put({ pk: { S: 'DELIVERY#dlv_2' }, sk: { S: 'DELIVERY' }, status: { S: 'skipped' } });

  const records = async () => {
    const deadline = Date.now() + 10_000;
    while (events.flatMap((event) => event.Records).length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // Let a wrongly passed record show up before asserting it did not.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return events.flatMap((event) => event.Records);
  };
  const received: DynamoDBRecord[] = await records();
  expect(received.map((record) => [record.eventName, record.dynamodb?.Keys?.pk?.S])).toEqual([
    ['INSERT', 'DELIVERY#dlv_1'],
    ['MODIFY', 'DELIVERY#dlv_1'],
    ['INSERT', 'LOG#acct#5'],
    ['INSERT', 'DELIVERY#dlv_2'],
  ]);
  const [, modified] = received;
  expect(modified).toMatchObject({
    eventSource: 'aws:dynamodb',
    eventVersion: expect.any(String),
    eventID: expect.any(String),
    awsRegion: 'eu-west-1',
    eventSourceARN: eventSourceArn,
    dynamodb: {
      ApproximateCreationDateTime: expect.any(Number),
      Keys: key,
      OldImage: { status: { S: 'pending' }, attemptCount: { N: '1' }, doc: { B: Buffer.from('deflated').toString('base64') } },
      NewImage: { status: { S: 'succeeded' }, attemptCount: { N: '2' } },
      SequenceNumber: expect.stringMatching(/^\d+$/),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  });
});

test('a persisted table made without a stream gets the template\'s stream', async () => {
  const tableName = `${table.tableName}-old`;
  const shape = {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
  };
  await table.client.send(new CreateTableCommand(shape));
  const wanted: LocalTable = {
    logicalId: 'Old',
    tableName,
    createTable: { ...shape, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } },
  };
  expect(await ensureTables(table.client, [wanted])).toEqual([{ tableName, created: false, streamUpdated: true }]);
  const { Table: described } = await table.client.send(new DescribeTableCommand({ TableName: tableName }));
  expect(described?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  expect(described?.LatestStreamArn).toEqual(expect.any(String));
  // Kept as it is the next time.
  expect(await ensureTables(table.client, [wanted])).toEqual([{ tableName, created: false }]);
  await table.client.send(new DeleteTableCommand({ TableName: tableName }));
});
