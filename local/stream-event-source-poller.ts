// A DynamoDB stream event source mapping, polled the way Lambda's poller does: each shard read in
// order (a child only after its parent), records that match none of the filter patterns dropped
// before batching, a batch invoked when it is full, its batching window has passed or its shard
// closed, records shaped exactly like Lambda's DynamoDB event, one batch in flight per shard.
// Failures as Lambda handles them for streams: a function error bisects the batch (when asked)
// or retries it; a partial batch response retries from the lowest sequence number it names; once
// MaximumRetryAttempts are used up the batch's position goes to the on-failure destination and the
// shard moves on. The checkpoint lives in memory only: records written while the run is stopped
// are not read after a restart with LATEST.
import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { compileEventPattern, type EventMatcher } from '../lambdas/domain/event-pattern';
import { type Clock, systemClock } from './aws-endpoint/clock';
import { type StreamApiRecord, type StreamsApi, StreamsApiError } from './dynamodb-streams';
import type { LocalStreamEventSourceMapping } from './local-stack';
import { describe, sleep } from './poll-helpers';

/** A stream mapping as local-stack.ts reads it from the template, plus what the poller calls it by. */
export interface StreamEventSourceMapping
  extends Pick<
    LocalStreamEventSourceMapping,
    | 'eventSourceArn'
    | 'startingPosition'
    | 'batchSize'
    | 'maximumBatchingWindowSeconds'
    | 'filterPatterns'
    | 'reportBatchItemFailures'
    | 'bisectBatchOnFunctionError'
    | 'maximumRetryAttempts'
  > {
  /** Names the mapping in log lines. */
  readonly label: string;
  /** The stream as DynamoDB Local names it (what the Streams API calls take). */
  readonly streamArn: string;
}

/** What Lambda sends to a stream mapping's on-failure destination: where the batch was, not its records. */
export interface StreamBatchFailure {
  readonly requestContext: { requestId: string; functionArn: string; condition: 'RetryAttemptsExhausted'; approximateInvokeCount: number };
  readonly responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface StreamEventSourceOptions {
  readonly mapping: StreamEventSourceMapping;
  readonly streams: StreamsApi;
  readonly region: string;
  /** Named in on-failure records. */
  readonly functionArn: string;
  readonly invoke: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /** The on-failure destination; without one a batch whose retries ran out is only logged. */
  readonly onFailure?: (failure: StreamBatchFailure) => Promise<void>;
  readonly log: (line: string) => void;
  /** Measures the batching window; tests inject a manual clock. */
  readonly clock?: Clock;
  /** Between polls of a shard; Lambda polls each shard about four times a second. */
  readonly pollIntervalMs?: number;
  /** First wait before a failed batch is retried; doubled per retry, at most 30 s. */
  readonly retryDelayMs?: number;
}

export interface StreamEventSource {
  /** Stops polling; resolves when the batch in flight has finished (or failed). */
  stop(): Promise<void>;
}

const DEFAULT_POLL_INTERVAL_MS = 250;
const DEFAULT_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 30_000;
/** New shards (a split) are looked for this often. */
const DISCOVERY_INTERVAL_MS = 10_000;
/** GetRecords returns at most 1,000 records. */
const MAX_GET_RECORDS = 1000;
/** Lambda's synchronous invocation payload limit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const ERROR_BACKOFF_MS = 1000;

interface ShardReader {
  readonly shardId: string;
  readonly parentShardId?: string;
  iterator?: string;
  /** The last record read, to get a new iterator after one expired. */
  lastSequenceNumber?: string;
  /** Matching records read but not yet invoked with, oldest first. */
  readonly pending: DynamoDBRecord[];
  windowStartedAt?: number;
  closed: boolean;
}

/**
 * Resolves once every open shard has its starting iterator, so a record written after the start
 * is never missed with LATEST.
 */
export async function startStreamEventSource(options: StreamEventSourceOptions): Promise<StreamEventSource> {
  const { mapping, streams } = options;
  const clock = options.clock ?? systemClock;
  const matchers: EventMatcher[] = mapping.filterPatterns.map((pattern, index) => compileEventPattern(pattern, { label: `${mapping.label} filter ${index + 1}: Pattern`, limits: false }));
  const matches = (record: DynamoDBRecord) => matchers.length === 0 || matchers.some((matcher) => matcher(record));
  const abort = new AbortController();
  const signal = abort.signal;
  const readers = new Map<string, ShardReader>();
  /** Shards read to their end (or passed over at start): never read again. */
  const done = new Set<string>();
  let lastDiscovery = 0;

  const discover = async (initial: boolean) => {
    lastDiscovery = clock.now();
    for (const shard of await streams.describeStream(mapping.streamArn)) {
      if (readers.has(shard.shardId) || done.has(shard.shardId)) continue;
      // LATEST: nothing new arrives on a shard that is already closed.
      if (initial && shard.closed && mapping.startingPosition === 'LATEST') {
        done.add(shard.shardId);
        continue;
      }
      // A shard found later was made after the start: all of it is new.
      const type = initial ? mapping.startingPosition : 'TRIM_HORIZON';
      const iterator = await streams.getShardIterator(mapping.streamArn, shard.shardId, type);
      readers.set(shard.shardId, { shardId: shard.shardId, ...(shard.parentShardId ? { parentShardId: shard.parentShardId } : {}), iterator, pending: [], closed: false });
    }
  };
  await discover(true);

  const poll = async (reader: ShardReader) => {
    if (!reader.closed && reader.pending.length < mapping.batchSize) {
      if (!reader.iterator) reader.iterator = await renewIterator(reader);
      const { records, nextShardIterator } = await streams.getRecords(reader.iterator, MAX_GET_RECORDS);
      reader.iterator = nextShardIterator;
      if (!nextShardIterator) reader.closed = true;
      for (const raw of records) {
        reader.lastSequenceNumber = raw.dynamodb?.SequenceNumber ?? reader.lastSequenceNumber;
        const record = toLambdaRecord(raw, mapping.eventSourceArn, options.region);
        if (!matches(record)) continue;
        reader.pending.push(record);
        reader.windowStartedAt ??= clock.now();
      }
    }
    while (reader.pending.length > 0 && !signal.aborted) {
      const windowOver = clock.now() - (reader.windowStartedAt ?? 0) >= mapping.maximumBatchingWindowSeconds * 1000;
      if (reader.pending.length < mapping.batchSize && !windowOver && !reader.closed) break;
      const batch = takeBatch(reader.pending, mapping.batchSize);
      reader.windowStartedAt = reader.pending.length > 0 ? clock.now() : undefined;
      await deliver(options, reader.shardId, batch, signal);
    }
    if (reader.closed && reader.pending.length === 0) {
      readers.delete(reader.shardId);
      done.add(reader.shardId);
    }
  };

  const renewIterator = async (reader: ShardReader): Promise<string> =>
    reader.lastSequenceNumber !== undefined
      ? streams.getShardIterator(mapping.streamArn, reader.shardId, 'AFTER_SEQUENCE_NUMBER', reader.lastSequenceNumber)
      : streams.getShardIterator(mapping.streamArn, reader.shardId, mapping.startingPosition);

  const loop = (async () => {
    let failing = false;
    while (!signal.aborted) {
      try {
        if (clock.now() - lastDiscovery >= DISCOVERY_INTERVAL_MS) await discover(false);
        // A child shard only after its parent is read to its end, as Lambda keeps a key's order.
        for (const reader of [...readers.values()]) {
          if (signal.aborted) break;
          if (reader.parentShardId && readers.has(reader.parentShardId)) continue;
          try {
            await poll(reader);
          } catch (error) {
            // An expired or trimmed iterator: continue after the last record read.
            if (error instanceof StreamsApiError && /ExpiredIterator|TrimmedDataAccess/.test(error.type)) reader.iterator = undefined;
            else throw error;
          }
        }
        failing = false;
        await sleep(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, signal);
      } catch (error) {
        if (signal.aborted) break;
        // Log once per outage, not once per retry.
        if (!failing) options.log(`${mapping.label}: reading the stream failed: ${describe(error)}`);
        failing = true;
        await sleep(ERROR_BACKOFF_MS, signal);
      }
    }
  })();

  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

/** The oldest records, up to the batch size and Lambda's payload limit (at least one). */
function takeBatch(pending: DynamoDBRecord[], batchSize: number): DynamoDBRecord[] {
  let bytes = 0;
  let count = 0;
  while (count < Math.min(batchSize, pending.length)) {
    const size = Buffer.byteLength(JSON.stringify(pending[count]));
    if (count > 0 && bytes + size > MAX_PAYLOAD_BYTES) break;
    bytes += size;
    count += 1;
  }
  return pending.splice(0, count);
}

/**
 * Invokes with one batch until it succeeds or its retries run out. A function error bisects the
 * batch when asked (a split does not count as a retry); a partial batch response retries from the
 * lowest sequence number it names.
 */
async function deliver(options: StreamEventSourceOptions, shardId: string, batch: DynamoDBRecord[], signal: AbortSignal): Promise<void> {
  const { mapping } = options;
  const pieces: Array<{ records: DynamoDBRecord[]; retries: number }> = [{ records: batch, retries: 0 }];
  while (pieces.length > 0 && !signal.aborted) {
    const piece = pieces[0]!;
    let outcome: StreamInvokeOutcome;
    try {
      outcome = { ok: true, response: await options.invoke({ Records: piece.records }) };
    } catch (error) {
      outcome = { ok: false };
      options.log(`${mapping.label}: batch of ${piece.records.length} failed: ${describe(error)}`);
    }
    const settled = settleStreamBatch(piece.records.map(sequenceNumberOf), outcome, mapping.reportBatchItemFailures);
    if (settled.reason) options.log(`${mapping.label}: ${settled.reason}`);
    if (settled.retryFrom === undefined) {
      pieces.shift();
      continue;
    }
    if (!outcome.ok && mapping.bisectBatchOnFunctionError && piece.records.length > 1) {
      const half = Math.ceil(piece.records.length / 2);
      pieces.splice(0, 1, { records: piece.records.slice(0, half), retries: piece.retries }, { records: piece.records.slice(half), retries: piece.retries });
      continue;
    }
    const remaining = piece.records.slice(settled.retryFrom);
    if (mapping.maximumRetryAttempts >= 0 && piece.retries >= mapping.maximumRetryAttempts) {
      pieces.shift();
      options.log(`${mapping.label}: ${remaining.length} records given up after ${piece.retries} retries${options.onFailure ? ', sent to the on-failure destination' : ''}`);
      await sendFailure(options, shardId, remaining, piece.retries + 1, outcome.ok ? undefined : 'Unhandled');
      continue;
    }
    if (outcome.ok) options.log(`${mapping.label}: partial batch response, retrying ${remaining.length} of ${piece.records.length} records`);
    pieces[0] = { records: remaining, retries: piece.retries + 1 };
    await sleep(Math.min(MAX_RETRY_DELAY_MS, (options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS) * 2 ** piece.retries), signal);
  }
}

async function sendFailure(options: StreamEventSourceOptions, shardId: string, records: DynamoDBRecord[], invokeCount: number, functionError: string | undefined): Promise<void> {
  if (!options.onFailure || records.length === 0) return;
  const arrival = (record: DynamoDBRecord) => new Date((record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
  const failure: StreamBatchFailure = {
    requestContext: { requestId: randomUUID(), functionArn: options.functionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: invokeCount },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(functionError ? { functionError } : {}) },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId,
      startSequenceNumber: sequenceNumberOf(records[0]!),
      endSequenceNumber: sequenceNumberOf(records[records.length - 1]!),
      approximateArrivalOfFirstRecord: arrival(records[0]!),
      approximateArrivalOfLastRecord: arrival(records[records.length - 1]!),
      batchSize: records.length,
      streamArn: options.mapping.eventSourceArn,
    },
  };
  try {
    await options.onFailure(failure);
  } catch (error) {
    options.log(`${options.mapping.label}: sending to the on-failure destination failed: ${describe(error)}`);
  }
}

export type StreamInvokeOutcome = { ok: true; response: unknown } | { ok: false };

/**
 * Where to retry a stream batch from, by Lambda's rules: a function error retries all of it;
 * without ReportBatchItemFailures any answer is success; with it, the lowest listed sequence number
 * is the checkpoint, and a malformed response (not an object, a list that is not one, an empty or
 * unknown identifier) fails the whole batch. `retryFrom` is an index into the batch.
 */
export function settleStreamBatch(
  sequenceNumbers: readonly string[],
  outcome: StreamInvokeOutcome,
  reportBatchItemFailures: boolean,
): { retryFrom?: number; reason?: string } {
  if (!outcome.ok) return { retryFrom: 0 };
  if (!reportBatchItemFailures) return {};
  const response = outcome.response;
  if (response === null || response === undefined) return {};
  if (typeof response !== 'object' || Array.isArray(response)) return { retryFrom: 0, reason: 'invalid partial batch response (not an object): whole batch failed' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return {};
  if (!Array.isArray(failures)) return { retryFrom: 0, reason: 'invalid partial batch response (batchItemFailures is not a list): whole batch failed' };
  let retryFrom: number | undefined;
  for (const failure of failures) {
    const id = typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    const index = typeof id === 'string' && id !== '' ? sequenceNumbers.indexOf(id) : -1;
    if (index < 0) return { retryFrom: 0, reason: `invalid itemIdentifier ${JSON.stringify(id ?? null)} in partial batch response: whole batch failed` };
    retryFrom = Math.min(retryFrom ?? index, index);
  }
  return retryFrom === undefined ? {} : { retryFrom };
}

/** A GetRecords record as Lambda hands it to the function: the stack's region and the mapping's stream ARN. */
export function toLambdaRecord(record: StreamApiRecord, eventSourceArn: string, region: string): DynamoDBRecord {
  return {
    eventID: record.eventID ?? randomUUID(),
    ...(record.eventName ? { eventName: record.eventName } : {}),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: (record.dynamodb ?? {}) as DynamoDBRecord['dynamodb'],
    eventSourceARN: eventSourceArn,
    ...(record.userIdentity !== undefined ? { userIdentity: record.userIdentity } : {}),
  };
}

function sequenceNumberOf(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? '';
}
