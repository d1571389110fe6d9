// HourlyCountsStore on DynamoDB (see table-design.ts, COUNTS#...): one ADD per call, to a random
// shard of the endpoint's hour, so no single partition takes all of a busy endpoint's counts.
import { randomBytes } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { HourlyCounts, HourlyCountsStore } from '../counts/hourly-counts-store';
import type { Table } from './dynamodb-table';
import { COUNT_SHARDS, keys, TTL } from './table-keys';

export class DynamoDbHourlyCountsStore implements HourlyCountsStore {
  constructor(private readonly table: Table) {}

  /** Counters that are 0 are left out, so the item stays small; nothing at all is written for all zeros. */
  async addHourlyCounts(accountId: string, endpointId: string, hour: Date, counts: HourlyCounts): Promise<void> {
    const nonZero = Object.entries(counts).filter(([, count]) => count > 0);
    if (nonZero.length === 0) return;
    const shard = randomBytes(1)[0]! % COUNT_SHARDS;
    await this.table.documents.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.hourlyCounts(accountId, endpointId, shard, hourOf(hour)),
        UpdateExpression: `SET #ttl = if_not_exists(#ttl, :ttl) ADD ${nonZero.map(([name]) => `${name} :${name}`).join(', ')}`,
        ExpressionAttributeNames: { '#ttl': TTL },
        ExpressionAttributeValues: { ':ttl': this.table.expiresAt(hour), ...Object.fromEntries(nonZero.map(([name, count]) => [`:${name}`, count])) },
      }),
    );
  }
}

/** The sort key of an hour's counts: `YYYY-MM-DDTHH` (UTC). */
export const hourOf = (time: Date): string => time.toISOString().slice(0, 13);
