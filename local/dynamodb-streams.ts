// DynamoDB Streams' read operations (DynamoDBStreams_20120810), as the plain JSON requests the
// service takes, sent to DynamoDB Local: what the local stream poller needs, without one more SDK
// client. DynamoDB Local checks that a request names an access key, not that it is signed, so
// requests carry a fixed placeholder (no real credential is ever used or needed).

export type ShardIteratorType = 'LATEST' | 'TRIM_HORIZON' | 'AFTER_SEQUENCE_NUMBER';

export interface StreamShard {
  readonly shardId: string;
  readonly parentShardId?: string;
  /** A closed shard (it has an ending sequence number) gets no new records. */
  readonly closed: boolean;
}

/** A stream record as GetRecords returns it (the shape of a Lambda DynamoDB record without eventSourceARN). */
export interface StreamApiRecord {
  readonly eventID?: string;
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion?: string;
  readonly eventSource?: string;
  readonly awsRegion?: string;
  readonly dynamodb?: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: Record<string, unknown>;
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
    readonly SequenceNumber?: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
  readonly userIdentity?: unknown;
}

export interface StreamsApi {
  /** Every shard of the stream (all pages). */
  describeStream(streamArn: string): Promise<StreamShard[]>;
  getShardIterator(streamArn: string, shardId: string, type: ShardIteratorType, sequenceNumber?: string): Promise<string>;
  /** `nextShardIterator` is absent once a closed shard is read to its end. */
  getRecords(shardIterator: string, limit: number): Promise<{ records: StreamApiRecord[]; nextShardIterator?: string }>;
}

/** An error answer of the service, with its type (`ExpiredIteratorException`, ...). */
export class StreamsApiError extends Error {
  override readonly name = 'StreamsApiError';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(`${type}: ${message}`);
  }
}

const PLACEHOLDER_AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local';

export function dynamoDbStreamsApi(endpoint: string): StreamsApi {
  const call = async <T>(operation: string, body: Record<string, unknown>): Promise<T> => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDBStreams_20120810.${operation}`,
        authorization: PLACEHOLDER_AUTHORIZATION,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const answer = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    if (!response.ok) {
      const type = String(answer.__type ?? `HTTP ${response.status}`).split('#').pop()!;
      throw new StreamsApiError(type, String(answer.Message ?? answer.message ?? text));
    }
    return answer as T;
  };

  return {
    async describeStream(streamArn) {
      const shards: StreamShard[] = [];
      let exclusiveStartShardId: string | undefined;
      do {
        const { StreamDescription: description } = await call<{
          StreamDescription: { Shards?: Array<{ ShardId: string; ParentShardId?: string; SequenceNumberRange?: { EndingSequenceNumber?: string } }>; LastEvaluatedShardId?: string };
        }>('DescribeStream', { StreamArn: streamArn, ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}) });
        for (const shard of description.Shards ?? []) {
          shards.push({
            shardId: shard.ShardId,
            ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
            closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
          });
        }
        exclusiveStartShardId = description.LastEvaluatedShardId;
      } while (exclusiveStartShardId);
      return shards;
    },

    async getShardIterator(streamArn, shardId, type, sequenceNumber) {
      const answer = await call<{ ShardIterator: string }>('GetShardIterator', {
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(sequenceNumber !== undefined ? { SequenceNumber: sequenceNumber } : {}),
      });
      return answer.ShardIterator;
    },

    async getRecords(shardIterator, limit) {
      const answer = await call<{ Records?: StreamApiRecord[]; NextShardIterator?: string }>('GetRecords', { ShardIterator: shardIterator, Limit: limit });
      return { records: answer.Records ?? [], ...(answer.NextShardIterator ? { nextShardIterator: answer.NextShardIterator } : {}) };
    },
  };
}
