// The DynamoDB stream event source mapping over an in-memory stream: Lambda's record shape,
// starting position, filters, batch size and window, partial batch responses, bisecting, bounded
// retries with the on-failure destination, shard order and expired iterators.
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ManualClock } from '../../../local/aws-endpoint/clock';
import { type ShardIteratorType, type StreamApiRecord, type StreamsApi, StreamsApiError } from '../../../local/dynamodb-streams';
import {
  settleStreamBatch,
  type StreamBatchFailure,
  type StreamEventSource,
  type StreamEventSourceMapping,
  startStreamEventSource,
  toLambdaRecord,
} from '../../../local/stream-event-source-poller';

/** Shards of records in memory; an iterator is `<shard>@<next index>`. */
class FakeStreams implements StreamsApi {
  readonly shards = new Map<string, { parent?: string; closed: boolean; records: StreamApiRecord[] }>();
  private sequence = 0;
  expireNext = false;
  readonly iteratorRequests: Array<{ shardId: string; type: ShardIteratorType; sequenceNumber?: string }> = [];

  addShard(shardId: string, parent?: string) {
    this.shards.set(shardId, { ...(parent ? { parent } : {}), closed: false, records: [] });
  }

  write(shardId: string, pk: string, extra: Record<string, unknown> = {}): string {
    this.sequence += 1;
    const sequenceNumber = String(this.sequence).padStart(21, '0');
    this.shards.get(shardId)!.records.push({
      eventID: `ev${this.sequence}`,
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: { ApproximateCreationDateTime: 1795852920, Keys: { pk: { S: pk } }, NewImage: { pk: { S: pk }, ...extra }, SequenceNumber: sequenceNumber, SizeBytes: 30, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    return sequenceNumber;
  }

  async describeStream() {
    return [...this.shards].map(([shardId, shard]) => ({ shardId, closed: shard.closed, ...(shard.parent ? { parentShardId: shard.parent } : {}) }));
  }

  async getShardIterator(_arn: string, shardId: string, type: ShardIteratorType, sequenceNumber?: string) {
    this.iteratorRequests.push({ shardId, type, ...(sequenceNumber ? { sequenceNumber } : {}) });
    const records = this.shards.get(shardId)!.records;
    const position =
      type === 'LATEST' ? records.length : type === 'TRIM_HORIZON' ? 0 : records.findIndex((record) => record.dynamodb?.SequenceNumber === sequenceNumber) + 1;
    return `${shardId}@${position}`;
  }

  async getRecords(iterator: string, limit: number) {
    if (this.expireNext) {
      this.expireNext = false;
      throw new StreamsApiError('ExpiredIteratorException', 'Iterator expired');
    }
    const [shardId, at] = iterator.split('@') as [string, string];
    const shard = this.shards.get(shardId)!;
    const records = shard.records.slice(Number(at), Number(at) + limit);
    const next = Number(at) + records.length;
    const finished = shard.closed && next >= shard.records.length;
    return { records, ...(finished ? {} : { nextShardIterator: `${shardId}@${next}` }) };
  }
}

const DELIVERIES_ONLY = { dynamodb: { Keys: { pk: { S: [{ prefix: 'DELIVERY#' }] } }, NewImage: { test: { BOOL: [{ exists: false }] } } } };

describe('settleStreamBatch (Lambda partial batch response rules for streams)', () => {
  const sequenceNumbers = ['100', '101', '102'];

  it('retries the whole batch after a function error', () => {
    expect(settleStreamBatch(sequenceNumbers, { ok: false }, true)).toEqual({ retryFrom: 0 });
    expect(settleStreamBatch(sequenceNumbers, { ok: false }, false)).toEqual({ retryFrom: 0 });
  });

  it('ignores the response without ReportBatchItemFailures, and treats empty answers as success', () => {
    expect(settleStreamBatch(sequenceNumbers, { ok: true, response: { batchItemFailures: [{ itemIdentifier: '101' }] } }, false)).toEqual({});
    for (const response of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      expect(settleStreamBatch(sequenceNumbers, { ok: true, response }, true)).toEqual({});
    }
  });

  it('retries from the lowest sequence number listed', () => {
    const response = { batchItemFailures: [{ itemIdentifier: '102' }, { itemIdentifier: '101' }] };
    expect(settleStreamBatch(sequenceNumbers, { ok: true, response }, true)).toEqual({ retryFrom: 1 });
  });

  it('retries the whole batch for an unknown, empty or missing identifier, or a malformed response', () => {
    for (const response of [
      { batchItemFailures: [{ itemIdentifier: '999' }] },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: 'x' },
      'not an object',
    ]) {
      expect(settleStreamBatch(sequenceNumbers, { ok: true, response }, true)).toEqual({ retryFrom: 0, reason: expect.stringMatching(/whole batch failed/) });
    }
  });
});

test('toLambdaRecord: the stack\'s region and the mapping\'s stream ARN, the rest as GetRecords gave it', () => {
  const streams = new FakeStreams();
  streams.addShard('s1');
  streams.write('s1', 'DELIVERY#a');
  const raw = streams.shards.get('s1')!.records[0]!;
  const record = toLambdaRecord(raw, 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/local', 'us-east-1');
  expect(Object.keys(record).sort()).toEqual(['awsRegion', 'dynamodb', 'eventID', 'eventName', 'eventSource', 'eventSourceARN', 'eventVersion']);
  expect(record).toMatchObject({
    eventID: 'ev1',
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/local',
    dynamodb: raw.dynamodb,
  });
});

describe('stream event source', () => {
  let streams: FakeStreams;
  let clock: ManualClock;
  let source: StreamEventSource | undefined;
  let events: DynamoDBStreamEvent[];
  let failures: StreamBatchFailure[];
  const logs: string[] = [];

  beforeEach(() => {
    streams = new FakeStreams();
    streams.addShard('s1');
    clock = new ManualClock();
    events = [];
    failures = [];
    logs.length = 0;
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
  });

  const mapping = (overrides: Partial<StreamEventSourceMapping> = {}): StreamEventSourceMapping => ({
    label: 'test',
    streamArn: 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2026',
    eventSourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/local',
    startingPosition: 'LATEST',
    batchSize: 100,
    maximumBatchingWindowSeconds: 0,
    filterPatterns: [],
    reportBatchItemFailures: true,
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: -1,
    ...overrides,
  });
  const start = async (overrides: Partial<StreamEventSourceMapping> = {}, invoke?: (event: DynamoDBStreamEvent) => Promise<unknown>) => {
    source = await startStreamEventSource({
      mapping: mapping(overrides),
      streams,
      region: 'us-east-1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:counts',
      invoke: async (event) => {
        events.push(event);
        return invoke?.(event);
      },
      onFailure: async (failure) => void failures.push(failure),
      log: (line) => logs.push(line),
      clock,
      pollIntervalMs: 5,
      retryDelayMs: 1,
    });
  };
  const until = async (condition: () => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; logs: ${logs.join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const keysOf = (event: DynamoDBStreamEvent | undefined) => (event?.Records ?? []).map((record: DynamoDBRecord) => record.dynamodb?.Keys?.pk?.S);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

  it('LATEST reads only what is written after the start, in order', async () => {
    streams.write('s1', 'DELIVERY#old');
    await start();
    streams.write('s1', 'DELIVERY#a');
    streams.write('s1', 'DELIVERY#b');
    await until(() => events.flatMap((event) => keysOf(event)).length === 2);
    expect(events.flatMap((event) => keysOf(event))).toEqual(['DELIVERY#a', 'DELIVERY#b']);
  });

  it('TRIM_HORIZON reads the shard from its start', async () => {
    streams.write('s1', 'DELIVERY#old');
    await start({ startingPosition: 'TRIM_HORIZON' });
    await until(() => events.length === 1);
    expect(keysOf(events[0])).toEqual(['DELIVERY#old']);
  });

  it('drops records no filter matches before batching; with no match nothing is invoked', async () => {
    await start({ filterPatterns: [DELIVERIES_ONLY] });
    streams.write('s1', 'LOG#acct#1');
    streams.write('s1', 'DELIVERY#test', { test: { BOOL: true } });
    await settle();
    expect(events).toEqual([]);
    streams.write('s1', 'ENDPOINT#acct#ep');
    streams.write('s1', 'DELIVERY#real');
    await until(() => events.length === 1);
    expect(keysOf(events[0])).toEqual(['DELIVERY#real']);
  });

  it('passes a record that any one of its filters matches, as Lambda ORs them', async () => {
    const countedLogPages = { dynamodb: { Keys: { pk: { S: [{ prefix: 'LOG#' }] } }, NewImage: { filtered: { S: [{ exists: true }] } } } };
    await start({ filterPatterns: [DELIVERIES_ONLY, countedLogPages] });
    streams.write('s1', 'LOG#acct#1');
    streams.write('s1', 'LOG#acct#2', { filtered: { M: { ep_1: { N: '2' } } } });
    streams.write('s1', 'ENDPOINT#acct#ep', { filtered: { S: 'ep_1 2' } });
    streams.write('s1', 'DELIVERY#a');
    streams.write('s1', 'LOG#acct#3', { filtered: { S: 'ep_1 2' } });
    await until(() => events.flatMap((event) => keysOf(event)).length === 2);
    await settle();
    expect(events.flatMap((event) => keysOf(event))).toEqual(['DELIVERY#a', 'LOG#acct#3']);
  });

  it('holds records for the batching window unless the batch fills first', async () => {
    await start({ batchSize: 3, maximumBatchingWindowSeconds: 10 });
    streams.write('s1', 'DELIVERY#1');
    streams.write('s1', 'DELIVERY#2');
    await settle();
    expect(events).toEqual([]);
    clock.advance(10_000);
    await until(() => events.length === 1);
    expect(keysOf(events[0])).toEqual(['DELIVERY#1', 'DELIVERY#2']);
    for (let index = 3; index <= 9; index += 1) streams.write('s1', `DELIVERY#${index}`);
    await until(() => events.length === 3);
    expect(events.slice(1).map((event) => keysOf(event))).toEqual([
      ['DELIVERY#3', 'DELIVERY#4', 'DELIVERY#5'],
      ['DELIVERY#6', 'DELIVERY#7', 'DELIVERY#8'],
    ]);
    await settle();
    expect(events).toHaveLength(3);
    clock.advance(10_000);
    await until(() => events.length === 4);
    expect(keysOf(events[3])).toEqual(['DELIVERY#9']);
  });

  it('retries a partial batch response from its checkpoint, records before it are not sent again', async () => {
    let calls = 0;
    await start({}, async (event) => {
      calls += 1;
      return calls === 1 ? { batchItemFailures: [{ itemIdentifier: event.Records[1]!.dynamodb!.SequenceNumber! }] } : {};
    });
    for (const key of ['a', 'b', 'c']) streams.write('s1', `DELIVERY#${key}`);
    await until(() => events.length === 2);
    expect(events.map((event) => keysOf(event))).toEqual([
      ['DELIVERY#a', 'DELIVERY#b', 'DELIVERY#c'],
      ['DELIVERY#b', 'DELIVERY#c'],
    ]);
  });

  it('bisects a batch that fails, and once a record\'s retries are used up sends its position to the on-failure destination and moves on', async () => {
    const poison = 'DELIVERY#poison';
    await start({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 2 }, async (event) => {
      if (keysOf(event).includes(poison)) throw new Error('boom');
      return {};
    });
    const sequences = ['a', 'b', 'poison', 'c'].map((key) => streams.write('s1', `DELIVERY#${key}`));
    await until(() => failures.length === 1 && events.some((event) => keysOf(event).includes('DELIVERY#c') && !keysOf(event).includes(poison)));
    // [a b poison c] -> [a b] ok, [poison c] -> [poison] x 3 (2 retries) -> DLQ, [c] ok
    expect(events.map((event) => keysOf(event).join(' '))).toEqual([
      'DELIVERY#a DELIVERY#b DELIVERY#poison DELIVERY#c',
      'DELIVERY#a DELIVERY#b',
      'DELIVERY#poison DELIVERY#c',
      'DELIVERY#poison',
      'DELIVERY#poison',
      'DELIVERY#poison',
      'DELIVERY#c',
    ]);
    expect(failures[0]).toMatchObject({
      requestContext: { functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:counts', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: {
        shardId: 's1',
        startSequenceNumber: sequences[2],
        endSequenceNumber: sequences[2],
        batchSize: 1,
        streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/local',
      },
    });
    // Later records still flow.
    streams.write('s1', 'DELIVERY#d');
    await until(() => events.some((event) => keysOf(event).includes('DELIVERY#d')));
  });

  it('without bisecting, retries the whole batch and gives up after MaximumRetryAttempts', async () => {
    await start({ maximumRetryAttempts: 1 }, async () => {
      throw new Error('always');
    });
    streams.write('s1', 'DELIVERY#a');
    streams.write('s1', 'DELIVERY#b');
    await until(() => failures.length === 1);
    expect(events).toHaveLength(2);
    expect(failures[0]!.DDBStreamBatchInfo.batchSize).toBe(2);
  });

  it('reads a child shard only after its parent is read to its end', async () => {
    await start({ batchSize: 1 });
    streams.write('s1', 'DELIVERY#parent-1');
    await until(() => events.length === 1);
    streams.write('s1', 'DELIVERY#parent-2');
    streams.shards.get('s1')!.closed = true;
    streams.addShard('s2', 's1');
    streams.write('s2', 'DELIVERY#child-1');
    clock.advance(10_000); // the next look for new shards
    await until(() => events.length === 3);
    expect(events.map((event) => keysOf(event)[0])).toEqual(['DELIVERY#parent-1', 'DELIVERY#parent-2', 'DELIVERY#child-1']);
    expect(streams.iteratorRequests).toContainEqual({ shardId: 's2', type: 'TRIM_HORIZON' });
  });

  it('continues after the last record read when an iterator expired', async () => {
    await start();
    const first = streams.write('s1', 'DELIVERY#a');
    await until(() => events.length === 1);
    streams.expireNext = true;
    streams.write('s1', 'DELIVERY#b');
    await until(() => events.length === 2);
    expect(keysOf(events[1])).toEqual(['DELIVERY#b']);
    expect(streams.iteratorRequests).toContainEqual({ shardId: 's1', type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: first });
  });
});
