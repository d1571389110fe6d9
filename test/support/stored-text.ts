// What DynamoDB holds, as one text to search for values that must never be stored in plain text
// (signing secrets, custom header values): every attribute of every item of the table and of its
// gsi1 (a Scan of each, raw DynamoDB JSON), or every record of its stream. A binary attribute
// shows as base64 and, when it inflates (a delivery's deflated document), as its text too.
import { inflateRawSync } from 'node:zlib';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../../lambdas/adapters/table-design';
import { dynamoDbStreamsApi } from '../../local/dynamodb-streams';

/** The table's items and its gsi1 entries, as text. */
export async function tableText(client: DynamoDBClient, tableName: string): Promise<string> {
  const items: unknown[] = [];
  for (const indexName of [undefined, TABLE_KEYS.gsi1.indexName]) {
    let ExclusiveStartKey: ScanCommand['input']['ExclusiveStartKey'];
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ...(indexName ? { IndexName: indexName } : {}), ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return asText(items);
}

/** Every record of the table's stream (new and old images), from its start, as text. */
export async function streamText(dynamoDbEndpoint: string, streamArn: string): Promise<string> {
  const streams = dynamoDbStreamsApi(dynamoDbEndpoint);
  const records: unknown[] = [];
  for (const shard of await streams.describeStream(streamArn)) {
    let iterator: string | undefined = await streams.getShardIterator(streamArn, shard.shardId, 'TRIM_HORIZON');
    // An open shard always answers with a next iterator: stop at its first empty page.
    while (iterator) {
      const page: Awaited<ReturnType<typeof streams.getRecords>> = await streams.getRecords(iterator, 1000);
      records.push(...page.records);
      iterator = page.records.length > 0 ? page.nextShardIterator : undefined;
    }
  }
  return asText(records);
}

function asText(values: unknown[]): string {
  const inflated: string[] = [];
  const json = JSON.stringify(values, (key, value: unknown) => {
    const bytes = value instanceof Uint8Array ? Buffer.from(value) : key === 'B' && typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
    if (!bytes) return value;
    try {
      inflated.push(inflateRawSync(bytes).toString('utf8'));
    } catch {
      // Not deflated: its bytes as text.
      inflated.push(bytes.toString('utf8'));
    }
    return bytes.toString('base64');
  });
  return [json, ...inflated].join('\n');
}
