// Fixed-window rate limits (test sends), one item per bucket and window, expiring with TTL.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isConditionFailure, type Table } from '../dynamodb-table';
import { keys, TTL } from '../table-keys';

export type RateLimitResult = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export class RateLimitStore {
  constructor(private readonly table: Table) {}

  /** Counts one use in the current fixed window of `bucket`; refuses once `limit` uses are counted. */
  async consumeRateLimit(bucket: string, limit: number, windowSeconds: number, now: Date): Promise<RateLimitResult> {
    const nowSeconds = epochSeconds(now);
    const windowStart = nowSeconds - (nowSeconds % windowSeconds);
    const windowEnd = windowStart + windowSeconds;
    try {
      await this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.rateWindow(bucket, windowStart),
          UpdateExpression: 'ADD hits :one SET #ttl = :expires',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeNames: { '#ttl': TTL },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expires': windowEnd + windowSeconds },
        }),
      );
      return { allowed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { allowed: false, retryAfterSeconds: Math.max(1, windowEnd - nowSeconds) };
    }
  }
}
