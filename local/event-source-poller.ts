// An SQS event source mapping, polled the way Lambda's poller does: long polls through the SQS
// API, a batching window, records shaped exactly like Lambda's SQS event, partial batch responses,
// and at most MaximumConcurrency invocations in flight. Failed messages are not deleted; they come
// back after the queue's visibility timeout and are redriven to the DLQ by SQS itself.
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { dataPathRetryStrategy } from '../lambdas/shared/aws-clients';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { type Clock, systemClock } from './aws-endpoint/clock';
import { describe, sleep } from './poll-helpers';

export interface SqsEventSourceMapping {
  /** Names the mapping in log lines. */
  readonly label: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly maximumConcurrency?: number;
}

export interface SqsEventSourceOptions {
  readonly mapping: SqsEventSourceMapping;
  readonly client: SQSClient;
  readonly region: string;
  readonly invoke: (event: SQSEvent) => Promise<unknown>;
  readonly log: (line: string) => void;
  /** Measures the batching window; tests inject a manual clock to close it on cue. */
  readonly clock?: Clock;
}

export interface SqsEventSource {
  /** Stops polling; resolves when in-flight batches have finished (or failed). */
  stop(): Promise<void>;
}

/**
 * The pollers' SQS client. Lambda polls a queue with a fleet of pollers, so one throttled or failed
 * receive does not hold the queue's messages back; here one collector per mapping receives, so a
 * throttled receive is retried within milliseconds (the data path's backoff, up to 6 attempts)
 * instead of after the SDK's seconds for throttling, which held whole batches of events.
 */
export function createPollerSqsClient(config: { readonly endpoint: string; readonly region: string; readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string } }): SQSClient {
  return new SQSClient({ ...config, retryStrategy: dataPathRetryStrategy() });
}

/** Without MaximumConcurrency Lambda scales out with the backlog; locally ten batches at a time is plenty. */
const DEFAULT_CONCURRENCY = 10;

/** How many batches of a mapping may be in flight at once. */
export function concurrencyLimit(mapping: Pick<SqsEventSourceMapping, 'maximumConcurrency'>): number {
  return Math.max(1, mapping.maximumConcurrency ?? DEFAULT_CONCURRENCY);
}
const LONG_POLL_SECONDS = 20;
const MAX_RECEIVE = 10;
/** Lambda's synchronous invocation payload limit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const WINDOW_POLL_INTERVAL_MS = 50;
const ERROR_BACKOFF_MS = 1000;

/**
 * One collector fills batches (so a batching window gathers every message that arrives in it)
 * and hands each to an invocation; it waits for a free slot before taking more messages, so no
 * message sits received-but-unprocessed while its visibility timeout runs.
 */
export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const { mapping } = options;
  const abort = new AbortController();
  const signal = abort.signal;
  const limit = concurrencyLimit(mapping);
  const inFlight = new Set<Promise<void>>();
  let slotFreed: (() => void) | undefined;
  signal.addEventListener('abort', () => slotFreed?.(), { once: true });

  const collector = (async () => {
    let failing = false;
    while (!signal.aborted) {
      if (inFlight.size >= limit) {
        await new Promise<void>((resolve) => (slotFreed = resolve));
        slotFreed = undefined;
        continue;
      }
      let batch: Message[];
      try {
        batch = await collectBatch(options, signal);
        failing = false;
      } catch (error) {
        if (signal.aborted) break;
        // Log once per outage, not once per retry.
        if (!failing) options.log(`${mapping.label}: polling ${mapping.queueUrl} failed: ${describe(error)}`);
        failing = true;
        await sleep(ERROR_BACKOFF_MS, signal);
        continue;
      }
      if (batch.length === 0) continue;
      const invocation: Promise<void> = processBatch(options, batch).finally(() => {
        inFlight.delete(invocation);
        slotFreed?.();
      });
      inFlight.add(invocation);
    }
  })();

  return {
    async stop() {
      abort.abort();
      await collector;
      await Promise.all([...inFlight]);
    },
  };
}

/** One long poll; then, within the batching window, top the batch up until it is full. */
async function collectBatch(options: SqsEventSourceOptions, signal: AbortSignal): Promise<Message[]> {
  const { mapping } = options;
  const batch = await receive(options, Math.min(MAX_RECEIVE, mapping.batchSize), LONG_POLL_SECONDS, signal);
  if (batch.length === 0 || mapping.maximumBatchingWindowSeconds <= 0) return batch;
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + mapping.maximumBatchingWindowSeconds * 1000;
  let bytes = batch.reduce((total, message) => total + Buffer.byteLength(message.Body ?? ''), 0);
  while (batch.length < mapping.batchSize && bytes < MAX_PAYLOAD_BYTES && !signal.aborted) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) break;
    // Short polls: aborting a long poll mid-way could strand a message in flight.
    let more: Message[];
    try {
      more = await receive(options, Math.min(MAX_RECEIVE, mapping.batchSize - batch.length), 0, signal);
    } catch (error) {
      // The messages already received are in flight: invoke with them rather than strand them
      // until their visibility timeout (minutes) runs out.
      if (!signal.aborted) options.log(`${mapping.label}: topping up a batch from ${mapping.queueUrl} failed, invoking with ${batch.length}: ${describe(error)}`);
      break;
    }
    batch.push(...more);
    bytes += more.reduce((total, message) => total + Buffer.byteLength(message.Body ?? ''), 0);
    if (more.length === 0) await sleep(Math.min(remaining, WINDOW_POLL_INTERVAL_MS), signal);
  }
  return batch;
}

async function receive(options: SqsEventSourceOptions, max: number, waitSeconds: number, signal: AbortSignal): Promise<Message[]> {
  const response = await options.client.send(
    new ReceiveMessageCommand({
      QueueUrl: options.mapping.queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
    { abortSignal: signal },
  );
  return response.Messages ?? [];
}

async function processBatch(options: SqsEventSourceOptions, messages: Message[]): Promise<void> {
  const { mapping } = options;
  const event: SQSEvent = { Records: messages.map((message) => toSqsRecord(message, mapping.queueArn, options.region)) };
  let outcome: InvokeOutcome;
  try {
    outcome = { ok: true, response: await options.invoke(event) };
  } catch (error) {
    outcome = { ok: false };
    options.log(`${mapping.label}: batch of ${messages.length} failed, messages return after the visibility timeout: ${describe(error)}`);
  }
  const { succeeded, failed, reason } = settleBatch(
    messages.map((message) => message.MessageId ?? ''),
    outcome,
    mapping.reportBatchItemFailures,
  );
  if (reason) options.log(`${mapping.label}: ${reason}`);
  if (failed.length > 0 && outcome.ok) options.log(`${mapping.label}: ${failed.length} of ${messages.length} messages reported failed`);
  const toDelete = messages.filter((message) => succeeded.includes(message.MessageId ?? ''));
  await deleteMessages(options, toDelete);
}

async function deleteMessages(options: SqsEventSourceOptions, messages: Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += MAX_RECEIVE) {
    const chunk = messages.slice(start, start + MAX_RECEIVE);
    try {
      const response = await options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.mapping.queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      for (const failure of response.Failed ?? []) options.log(`${options.mapping.label}: delete failed: ${failure.Code} ${failure.Message ?? ''}`);
    } catch (error) {
      options.log(`${options.mapping.label}: delete of ${chunk.length} messages failed: ${describe(error)}`);
    }
  }
}

export type InvokeOutcome = { ok: true; response: unknown } | { ok: false };

/**
 * Which messages of a batch succeeded, by Lambda's rules: without ReportBatchItemFailures any
 * function error fails the whole batch; with it, the listed itemIdentifiers fail, and a malformed
 * response (unknown or empty identifier, bad shape) fails the whole batch.
 */
export function settleBatch(
  messageIds: readonly string[],
  outcome: InvokeOutcome,
  reportBatchItemFailures: boolean,
): { succeeded: string[]; failed: string[]; reason?: string } {
  const all = { succeeded: [], failed: [...messageIds] };
  if (!outcome.ok) return all;
  if (!reportBatchItemFailures) return { succeeded: [...messageIds], failed: [] };
  const response = outcome.response;
  if (response === null || response === undefined) return { succeeded: [...messageIds], failed: [] };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { ...all, reason: 'invalid partial batch response (not an object): whole batch failed' };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { succeeded: [...messageIds], failed: [] };
  if (!Array.isArray(failures)) return { ...all, reason: 'invalid partial batch response (batchItemFailures is not a list): whole batch failed' };
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !messageIds.includes(id)) {
      return { ...all, reason: `invalid itemIdentifier ${JSON.stringify(id ?? null)} in partial batch response: whole batch failed` };
    }
    failed.add(id);
  }
  return { succeeded: messageIds.filter((id) => !failed.has(id)), failed: messageIds.filter((id) => failed.has(id)) };
}

/** A received message as Lambda hands it to the function. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const { ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, ...otherAttributes } = system;
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: ApproximateReceiveCount ?? '1',
      SentTimestamp: SentTimestamp ?? '',
      SenderId: SenderId ?? '',
      ApproximateFirstReceiveTimestamp: ApproximateFirstReceiveTimestamp ?? '',
      ...otherAttributes,
    },
    messageAttributes: toLambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function toLambdaMessageAttributes(attributes: Message['MessageAttributes']): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    result[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
  }
  return result;
}
