// The portal chart's hourly counts, as the counts aggregator writes them (one ADD per endpoint and
// hour of a stream batch to a random one of COUNT_SHARDS shards, see dynamodb-hourly-counts-store.ts):
// reading an endpoint's hours is one Query per shard, summed here. Absent counters are 0.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { HourlyCounts } from '../../counts/hourly-counts-store';
import type { Table } from '../dynamodb-table';
import { COUNT_SHARDS, keys, PK, SK } from '../table-keys';

const COUNTERS = ['succeeded', 'failed', 'failedAttempts', 'skipped', 'filtered'] as const;

export const ZERO_COUNTS: HourlyCounts = Object.freeze({ succeeded: 0, failed: 0, failedAttempts: 0, skipped: 0, filtered: 0 });

export class HourlyCountStore {
  constructor(private readonly table: Table) {}

  /** The endpoint's counts by hour (`YYYY-MM-DDTHH`, UTC) from `fromHour` to `toHour` inclusive; hours with nothing are absent. */
  async read(accountId: string, endpointId: string, fromHour: string, toHour: string): Promise<Map<string, HourlyCounts>> {
    const sums = new Map<string, { -readonly [K in keyof HourlyCounts]: number }>();
    await Promise.all(
      Array.from({ length: COUNT_SHARDS }, async (_, shard) => {
        const from = keys.hourlyCounts(accountId, endpointId, shard, fromHour);
        const to = keys.hourlyCounts(accountId, endpointId, shard, toHour);
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.table.documents.send(
            new QueryCommand({
              TableName: this.table.name,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
              ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
              ExpressionAttributeValues: { ':pk': from[PK], ':from': from[SK], ':to': to[SK] },
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? []) {
            const hour = String(item[SK]);
            const sum = sums.get(hour) ?? { ...ZERO_COUNTS };
            for (const counter of COUNTERS) {
              const value = item[counter];
              if (typeof value === 'number' && Number.isFinite(value)) sum[counter] += value;
            }
            sums.set(hour, sum);
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }),
    );
    return sums;
  }
}
