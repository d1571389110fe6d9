// One client per AWS service per container, created at cold start and reused by every
// invocation. The SDK takes endpoints from AWS_ENDPOINT_URL(_<SERVICE>) when set, which is how
// the same bundles run against the local run's emulators.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';

export function createAwsClients() {
  return {
    dynamodb: new DynamoDBClient({}),
    sqs: new SQSClient({}),
    scheduler: new SchedulerClient({}),
    eventBridge: new EventBridgeClient({}),
  };
}

export type AwsClients = ReturnType<typeof createAwsClients>;
