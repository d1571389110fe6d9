// A fresh table per test file, shaped like the deployed one, in the shared DynamoDB Local.
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../../lambdas/adapters/table-design';
import { DYNAMODB_LOCAL_CLIENT_DEFAULTS, dynamoDbEndpoint } from './dynamodb-local';

export interface TestTable {
  tableName: string;
  client: DynamoDBClient;
  drop(): Promise<void>;
}

/** `stream`: with the deployed table's stream (new and old images), for the counts aggregator's tests. */
export async function createTestTable(options: { stream?: boolean } = {}): Promise<TestTable> {
  const client = new DynamoDBClient({ ...DYNAMODB_LOCAL_CLIENT_DEFAULTS, endpoint: dynamoDbEndpoint() });
  const tableName = `test-${randomUUID()}`;
  const { partitionKey, sortKey, gsi1 } = TABLE_KEYS;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [partitionKey, sortKey, gsi1.partitionKey, gsi1.sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: gsi1.indexName,
          KeySchema: [
            { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      ...(options.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } } : {}),
    }),
  );
  // DynamoDB Local creates tables ACTIVE at once; waiting keeps this correct against real DynamoDB too.
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: tableName });
  return {
    tableName,
    client,
    async drop() {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } finally {
        client.destroy();
      }
    },
  };
}
