// Real AWS SDK v3 clients pointed at a local endpoint (the emulated AWS services, DynamoDB Local,
// a local run), as the Lambdas will be.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DYNAMODB_LOCAL_CLIENT_DEFAULTS } from '../../local/dynamodb-local';

/** Client settings for a local endpoint: the SDK needs a region and credentials, never real ones. */
export function localClientConfig(endpoint: string, region: string = DYNAMODB_LOCAL_CLIENT_DEFAULTS.region) {
  return { endpoint, region, credentials: DYNAMODB_LOCAL_CLIENT_DEFAULTS.credentials };
}

// One attempt: the emulator's answers are asserted as they come, not retried away.
const clientConfig = (endpoint: string) => ({ ...localClientConfig(endpoint), maxAttempts: 1 });

export interface SdkClients {
  sqs: SQSClient;
  events: EventBridgeClient;
  scheduler: SchedulerClient;
  dynamodb: DynamoDBClient;
  kms: KMSClient;
  destroy(): void;
}

export function sdkClients(endpoint: string): SdkClients {
  const clients = {
    sqs: new SQSClient(clientConfig(endpoint)),
    events: new EventBridgeClient(clientConfig(endpoint)),
    scheduler: new SchedulerClient(clientConfig(endpoint)),
    dynamodb: new DynamoDBClient(clientConfig(endpoint)),
    kms: new KMSClient(clientConfig(endpoint)),
  };
  return {
    ...clients,
    destroy: () => Object.values(clients).forEach((client) => client.destroy()),
  };
}

/** The rejection of a promise, for asserting on SDK exceptions by name and message. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
