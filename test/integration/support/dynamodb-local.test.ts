import {
  DescribeTableCommand,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { createTestTable, type TestTable } from '../../support/table';

describe('DynamoDB Local test table', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable();
  });

  afterAll(async () => {
    await table.drop();
  });

  it('has the key schema and gsi1 of the deployed table', async () => {
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType])).toEqual([['gsi1', 'ALL']]);
  });

  it('applies a TransactWriteItems atomically and rejects it whole when a condition fails', async () => {
    const put = (pk: string, sk: string, extra: Record<string, { S: string }> = {}) => ({
      Put: {
        TableName: table.tableName,
        Item: { pk: { S: pk }, sk: { S: sk }, ...extra },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    await table.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [put('DELIVERY#d1', 'DELIVERY'), put('DELIVERY#d1', 'ATTEMPT#000001', { gsi1pk: { S: 'ENDPOINT#e1' }, gsi1sk: { S: '2026-01-01T00:00:00Z' } })],
      }),
    );

    const byEndpoint = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'ENDPOINT#e1' } },
      }),
    );
    expect(byEndpoint.Items?.map((item) => item.sk?.S)).toEqual(['ATTEMPT#000001']);

    // The second put collides with an existing item, so the first must not be written either.
    const collision = table.client.send(
      new TransactWriteItemsCommand({ TransactItems: [put('DELIVERY#d2', 'DELIVERY'), put('DELIVERY#d1', 'DELIVERY')] }),
    );
    await expect(collision).rejects.toBeInstanceOf(TransactionCanceledException);
    const untouched = await table.client.send(
      new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: 'DELIVERY#d2' }, sk: { S: 'DELIVERY' } } }),
    );
    expect(untouched.Item).toBeUndefined();
  });
});
