// The bench's unit counting (bench/stub) against DynamoDB Local's ReturnConsumedCapacity, for the
// plain single-item operations DynamoDB Local counts right: PutItem, UpdateItem, GetItem, and the
// PartiQL INSERTs the dispatcher batches its new deliveries in. Items of
// every attribute type, sized on both sides of the 1 KB write and 4 KB read boundaries.
import { type AttributeValue, BatchExecuteStatementCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { AwsStub } from '../../../bench/stub/aws-stub';
import { itemSize } from '../../../bench/stub/item-size';
import { TABLE_KEYS } from '../../../lambdas/adapters/table-design';
import { createTestTable, type TestTable } from '../../support/table';

let table: TestTable;
let stub: AwsStub;
let stubClient: DynamoDBClient;

beforeAll(async () => {
  table = await createTestTable();
  stub = new AwsStub({ table: { tableName: table.tableName, partitionKey: TABLE_KEYS.partitionKey, sortKey: TABLE_KEYS.sortKey, indexes: [] } });
  stubClient = stub.clients().dynamodb;
});

afterAll(async () => {
  stubClient.destroy();
  await table.drop();
});

/** An item of about `bytes` bytes, with one attribute of every type; the padding string fills the rest. */
function itemOf(id: string, bytes: number): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: `SIZE#${id}` },
    sk: { S: 'ITEM' },
    count: { N: '12345.678' },
    negative: { N: '-0.00012' },
    flag: { BOOL: true },
    nothing: { NULL: true },
    raw: { B: new Uint8Array([1, 2, 3, 4, 5]) },
    tags: { SS: ['a', 'bb', 'ccc'] },
    numbers: { NS: ['1', '22', '333'] },
    attempts: { L: [{ M: { at: { S: '2026-11-28T05:00:00Z' }, status: { N: '200' } } }, { S: 'x' }] },
    nested: { M: { deep: { M: { value: { S: 'é漢字' } } } } },
    padding: { S: '' },
  };
  const base = itemSize(wire(item));
  item.padding = { S: 'p'.repeat(Math.max(0, bytes - base)) };
  return item;
}

/** The item as the wire carries it (binary as base64), which is what the stub sizes. */
function wire(item: Record<string, AttributeValue>): Parameters<typeof itemSize>[0] {
  return JSON.parse(JSON.stringify(item, (_, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value)));
}

async function bothSides<T extends { ConsumedCapacity?: { CapacityUnits?: number } }>(send: (client: DynamoDBClient) => Promise<T>): Promise<[number, number]> {
  const local = await send(table.client);
  const stubbed = await send(stubClient);
  return [local.ConsumedCapacity?.CapacityUnits ?? NaN, stubbed.ConsumedCapacity?.CapacityUnits ?? NaN];
}

const sizes = [200, 1000, 1024, 1025, 2047, 2049, 4096, 4097, 9000];

describe.each(sizes)('an item of about %i bytes', (bytes) => {
  const id = `i${bytes}`;
  const item = itemOf(id, bytes);
  const key = { pk: item.pk!, sk: item.sk! };

  it('PutItem (new, then replaced by a bigger one) costs what DynamoDB Local reports', async () => {
    const put = (value: Record<string, AttributeValue>) => (client: DynamoDBClient) =>
      client.send(new PutItemCommand({ TableName: table.tableName, Item: value, ReturnConsumedCapacity: 'TOTAL' }));
    const [local, stubbed] = await bothSides(put(item));
    expect(stubbed).toBe(local);
    const bigger = { ...item, extra: { S: 'e'.repeat(700) } };
    const [localBigger, stubbedBigger] = await bothSides(put(bigger));
    expect(stubbedBigger).toBe(localBigger);
  });

  it('a PartiQL INSERT (new, then refused as a duplicate) is booked as the PutItem of its item that DynamoDB Local counts', async () => {
    // DynamoDB Local reports no consumed capacity for PartiQL; DynamoDB bills an INSERT as the
    // PutItem it stands for, so the stub's figure is checked against DynamoDB Local's PutItem.
    const inserted: Record<string, AttributeValue> = { ...item, pk: { S: `INSERT#${id}` } };
    const names = Object.keys(inserted);
    const insert = async (client: DynamoDBClient) => {
      const output = await client.send(
        new BatchExecuteStatementCommand({
          Statements: [{ Statement: `INSERT INTO "${table.tableName}" VALUE {${names.map((name) => `'${name}':?`).join(',')}}`, Parameters: names.map((name) => inserted[name]!) }],
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return { units: (output.ConsumedCapacity ?? []).reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0), code: output.Responses?.[0]?.Error?.Code };
    };
    const localCodes = [(await insert(table.client)).code, (await insert(table.client)).code];
    const stubbed = [await insert(stubClient), await insert(stubClient)];
    expect(stubbed.map((answer) => answer.code)).toEqual(localCodes);
    expect(localCodes).toEqual([undefined, 'DuplicateItem']);
    const put = await table.client.send(new PutItemCommand({ TableName: table.tableName, Item: inserted, ReturnConsumedCapacity: 'TOTAL' }));
    expect(stubbed.map((answer) => answer.units)).toEqual([put.ConsumedCapacity?.CapacityUnits, put.ConsumedCapacity?.CapacityUnits]);
  });

  it('UpdateItem (SET, ADD, REMOVE, list_append) costs what DynamoDB Local reports', async () => {
    const update = (client: DynamoDBClient) =>
      client.send(
        new UpdateItemCommand({
          TableName: table.tableName,
          Key: key,
          UpdateExpression: 'SET #status = :status, attempts = list_append(if_not_exists(attempts, :empty), :attempt) ADD #count :one REMOVE extra',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status', '#count': 'count' },
          ExpressionAttributeValues: { ':status': { S: 'succeeded' }, ':empty': { L: [] }, ':attempt': { L: [{ M: { status: { N: '200' } } }] }, ':one': { N: '1' } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    const [local, stubbed] = await bothSides(update);
    expect(stubbed).toBe(local);
  });

  it('GetItem, strongly and eventually consistent, costs what DynamoDB Local reports', async () => {
    for (const consistent of [true, false]) {
      const get = (client: DynamoDBClient) =>
        client.send(new GetItemCommand({ TableName: table.tableName, Key: key, ConsistentRead: consistent, ReturnConsumedCapacity: 'TOTAL' }));
      const [local, stubbed] = await bothSides(get);
      expect(stubbed).toBe(local);
    }
  });
});

it('a GetItem of a missing item costs the minimum on both sides', async () => {
  const get = (client: DynamoDBClient) =>
    client.send(new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: 'NONE' }, sk: { S: 'NONE' } }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
  const [local, stubbed] = await bothSides(get);
  expect(stubbed).toBe(local);
});
