// Creates the template's DynamoDB tables in DynamoDB Local, exactly as defined (keys, attribute
// definitions, indexes, stream). A table kept by `--persist` is reused only when its keys and
// indexes still match the template; its stream is switched on (or to the template's view type)
// when it was made before the template had one.
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalTable } from './local-stack';

export interface EnsuredTable {
  readonly tableName: string;
  readonly created: boolean;
  /** A persisted table whose stream had to be switched on or changed. */
  readonly streamUpdated?: boolean;
}

export async function ensureTables(client: DynamoDBClient, tables: readonly LocalTable[]): Promise<EnsuredTable[]> {
  const results: EnsuredTable[] = [];
  for (const table of tables) {
    const existing = await describe(client, table.tableName);
    if (existing) {
      const difference = schemaDifference(table, existing);
      if (difference) {
        throw new Error(
          `table ${table.tableName} in the persisted DynamoDB Local differs from the template (${difference}); ` +
            'remove the --persist directory or the table to start over',
        );
      }
      const streamUpdated = await ensureStream(client, table, existing);
      results.push({ tableName: table.tableName, created: false, ...(streamUpdated ? { streamUpdated } : {}) });
      continue;
    }
    await client.send(new CreateTableCommand(table.createTable));
    if (table.ttlAttribute) {
      // Recorded so DescribeTimeToLive agrees with AWS; DynamoDB Local never deletes expired items.
      await client.send(
        new UpdateTimeToLiveCommand({ TableName: table.tableName, TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }),
      );
    }
    results.push({ tableName: table.tableName, created: true });
  }
  return results;
}

async function ensureStream(client: DynamoDBClient, table: LocalTable, existing: TableDescription): Promise<boolean> {
  const wanted = table.createTable.StreamSpecification;
  const current = existing.StreamSpecification;
  if (!wanted?.StreamEnabled || (current?.StreamEnabled && current.StreamViewType === wanted.StreamViewType)) return false;
  // A stream's view type cannot change in place: switch the old one off first.
  if (current?.StreamEnabled) await client.send(new UpdateTableCommand({ TableName: table.tableName, StreamSpecification: { StreamEnabled: false } }));
  await client.send(new UpdateTableCommand({ TableName: table.tableName, StreamSpecification: wanted }));
  return true;
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** A description of what differs in keys and indexes, or undefined when they match. */
export function schemaDifference(table: LocalTable, existing: TableDescription): string | undefined {
  const wanted = table.createTable;
  const keys = (schema: Array<{ AttributeName?: string; KeyType?: string }> | undefined) =>
    JSON.stringify((schema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`));
  if (keys(wanted.KeySchema) !== keys(existing.KeySchema)) return 'key schema';
  const indexes = (list: Array<{ IndexName?: string; KeySchema?: Array<{ AttributeName?: string; KeyType?: string }>; Projection?: { ProjectionType?: string } }> | undefined) =>
    JSON.stringify(
      (list ?? []).map((index) => `${index.IndexName}=${keys(index.KeySchema)}/${index.Projection?.ProjectionType}`).sort(),
    );
  if (indexes(wanted.GlobalSecondaryIndexes) !== indexes(existing.GlobalSecondaryIndexes)) return 'global secondary indexes';
  if (indexes(wanted.LocalSecondaryIndexes) !== indexes(existing.LocalSecondaryIndexes)) return 'local secondary indexes';
  return undefined;
}
