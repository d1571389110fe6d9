// Rate limits, each bucket one item expiring with TTL: fixed windows (test sends, recovers per
// minute) and token buckets (the API's requests per credential and per account).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isConditionFailure, type Table } from '../dynamodb-table';
import { keys, TTL } from '../table-keys';

export type RateLimitResult = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** A token bucket has no windows: its one item sits where window 0 would. */
const TOKEN_BUCKET_WINDOW = 0;
/** Extend-or-restart rounds before a bucket that keeps moving counts as full. */
const TOKEN_ROUNDS = 3;
/** This instance's last sight of a bucket is kept for at most so many buckets. */
const MAX_SEEN_BUCKETS = 10_000;

export class RateLimitStore {
  /** Each bucket's theoretical arrival time (epoch ms) as this instance last saw it: which write to try first. */
  private readonly seen = new Map<string, number>();

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

  /**
   * Takes one token of `bucket`: `perSecond` sustained, up to `burst` at once after a quiet spell.
   * A token bucket kept as GCRA's theoretical arrival time `tat` (epoch ms): a request is let in
   * while `tat` stands at most `burst - 1` intervals ahead of now, and moves it one interval on.
   * One conditional write: ADD the interval while `tat` runs ahead of now, or restart it at now
   * once it lags (no ADD can express max(tat, now)); a wrong guess of which costs the other write
   * too. A refusal writes nothing and, from the refused write's old image, says when a token frees.
   */
  async consumeToken(bucket: string, perSecond: number, burst: number, now: Date): Promise<RateLimitResult> {
    const interval = 1000 / perSecond;
    const at = now.getTime();
    const limit = at + (burst - 1) * interval;
    const key = keys.rateWindow(bucket, TOKEN_BUCKET_WINDOW);
    // Gone once a full bucket is certain: tat has passed by then.
    const expires = Math.ceil((limit + interval) / 1000) + 60;
    const write = async (extend: boolean): Promise<{ tat: number } | { seen: number | undefined }> => {
      const next = at + interval;
      try {
        const { Attributes } = await this.table.documents.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: key,
            ...(extend
              ? { UpdateExpression: 'ADD tat :interval SET #ttl = :ttl', ConditionExpression: 'tat > :now AND tat <= :limit' }
              : { UpdateExpression: 'SET tat = :next, #ttl = :ttl', ConditionExpression: 'attribute_not_exists(tat) OR tat <= :now' }),
            ExpressionAttributeNames: { '#ttl': TTL },
            ExpressionAttributeValues: extend
              ? { ':interval': interval, ':ttl': expires, ':now': at, ':limit': limit }
              : { ':next': next, ':ttl': expires, ':now': at },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { tat: Number(Attributes?.tat ?? next) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const old = error instanceof ConditionalCheckFailedException ? error.Item?.tat?.N : undefined;
        return { seen: old === undefined ? undefined : Number(old) };
      }
    };
    let ahead = (this.seen.get(bucket) ?? 0) > at;
    for (let round = 0; round < TOKEN_ROUNDS; round += 1) {
      const result = await write(ahead);
      if ('tat' in result) {
        this.remember(bucket, result.tat);
        return { allowed: true };
      }
      const seen = result.seen;
      if (seen !== undefined && seen > limit) {
        this.remember(bucket, seen);
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((seen - limit) / 1000)) };
      }
      // The other write fits what the failed one saw (or another request moved the bucket meanwhile).
      ahead = seen !== undefined && seen > at;
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(interval / 1000)) };
  }

  private remember(bucket: string, tat: number): void {
    if (this.seen.size >= MAX_SEEN_BUCKETS) this.seen.clear();
    this.seen.set(bucket, tat);
  }
}
