// One client per AWS service per container, created at cold start and reused by every
// invocation. The SDK takes endpoints from AWS_ENDPOINT_URL(_<SERVICE>) when set, which is how
// the same bundles run against the local run's emulators.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

/**
 * Throttling and 5xx answers are retried up to this many attempts in all, instead of the SDK's
 * default 3: a write that fails for good after a send makes that send happen again (and a
 * receiver see a duplicate), so it is worth a few more tries.
 */
export const MAX_ATTEMPTS = 6;

/**
 * The wait before retry `attempt` (2 for the first retry) on the data path's clients (DynamoDB,
 * SQS, Scheduler): full jitter up to 50 ms x 2^attempt, at most 2 s. Their throttles pass in
 * milliseconds, and these calls sit between a batch's queue message and its sends or records: the
 * SDK's own backoff for throttling (up to 1, 2, 4, 8, 16 s) held whole batches, and the retries in
 * them, for seconds, and with them the concurrency other endpoints' deliveries wait for.
 */
export function dataPathBackoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(2_000, 50 * 2 ** attempt));
}

/** The data path's retries: up to MAX_ATTEMPTS attempts, waiting dataPathBackoffMs between them. */
export function dataPathRetryStrategy(): ConfiguredRetryStrategy {
  return new ConfiguredRetryStrategy(MAX_ATTEMPTS, (attempt) => dataPathBackoffMs(attempt));
}

export function createAwsClients() {
  const dataPath = () => ({ retryStrategy: dataPathRetryStrategy() });
  return {
    dynamodb: new DynamoDBClient(dataPath()),
    sqs: new SQSClient(dataPath()),
    // Scheduler takes the retries after 15 minutes, handed over before the attempt is recorded: a
    // throttled CreateSchedule held its batch for seconds too (a failure that outlasts the 6
    // attempts returns the message to the queue, and the attempt is made again).
    scheduler: new SchedulerClient(dataPath()),
    // Opens endpoint secrets (adapters/secret-box.ts): one Decrypt per data key and instance, but
    // that one sits in a batch's endpoint read, so a throttle waits as briefly as the table's do.
    kms: new KMSClient(dataPath()),
    // Operational events (an endpoint disabled) are sent once per disable, after the batch's work.
    eventBridge: new EventBridgeClient({ maxAttempts: MAX_ATTEMPTS }),
  };
}

export type AwsClients = ReturnType<typeof createAwsClients>;
