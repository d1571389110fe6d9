// Real AWS SDK v3 clients pointed at the local endpoint, as the Lambdas will be.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});

export interface SdkClients {
  sqs: SQSClient;
  events: EventBridgeClient;
  scheduler: SchedulerClient;
  dynamodb: DynamoDBClient;
  destroy(): void;
}

export function sdkClients(endpoint: string): SdkClients {
  const clients = {
    sqs: new SQSClient(clientConfig(endpoint)),
    events: new EventBridgeClient(clientConfig(endpoint)),
    scheduler: new SchedulerClient(clientConfig(endpoint)),
    dynamodb: new DynamoDBClient(clientConfig(endpoint)),
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
