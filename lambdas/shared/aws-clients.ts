// One client per AWS service per container, created at cold start and reused by every
// invocation. The SDK takes endpoints from AWS_ENDPOINT_URL(_<SERVICE>) when set, which is how
// the same bundles run against the local run's emulators.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Throttling and 5xx answers are retried with the SDK's backoff (standard mode) up to this many
 * attempts in all, instead of its default 3: a write that fails for good after a send makes that
 * send happen again (and a receiver see a duplicate), so it is worth a few more seconds of a
 * 60-second invocation. The 5 retries of 6 attempts wait at most about 15 s in all.
 */
const MAX_ATTEMPTS = 6;

export function createAwsClients() {
  const config = { maxAttempts: MAX_ATTEMPTS };
  return {
    dynamodb: new DynamoDBClient(config),
    sqs: new SQSClient(config),
    scheduler: new SchedulerClient(config),
    eventBridge: new EventBridgeClient(config),
  };
}

export type AwsClients = ReturnType<typeof createAwsClients>;
