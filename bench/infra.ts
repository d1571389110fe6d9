// Everything the bench needs, started by the bench itself on 127.0.0.1: DynamoDB Local, the local
// AWS endpoint (SQS and Scheduler), a table shaped like the deployed one, the bench receivers,
// and the accounts and endpoints the scenarios send to.
import { randomBytes } from 'node:crypto';
import { DynamoDbStore } from '../lambdas/adapters/dynamodb-store';
import { ManagementStore } from '../lambdas/adapters/management-store';
import type { Endpoint } from '../lambdas/domain/model';
import { startAwsEndpoint } from '../local/aws-endpoint';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { createTestTable } from '../test/support/table';
import type { BenchTarget } from './harness';
import { startBenchReceiver, type BenchReceiver } from './receiver';

const DISPATCH_QUEUE = 'dispatch';
const SCHEDULE_GROUP = 'webhook-retries';

export interface BenchInfra {
  readonly target: BenchTarget;
  readonly dynamoDbStartupMs: number;
  /** A new account (webhooks in its plan) with one endpoint per receiver, each subscribed to every event type. */
  account(accountId: string, receivers: readonly BenchReceiver[]): Promise<void>;
  receiver(options: { latencyMs: number; failAttempts?: number }): Promise<BenchReceiver>;
  close(): Promise<void>;
}

export async function startBenchInfra(): Promise<BenchInfra> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const dynamoDb = await startDynamoDbLocal();
    closers.push(() => dynamoDb.stop());
    // createTestTable reads it, as under jest's global setup.
    process.env.DYNAMODB_ENDPOINT = dynamoDb.endpoint;
    const table = await createTestTable();
    closers.push(() => table.drop());
    const aws = await startAwsEndpoint({
      port: 0,
      dynamoDbEndpoint: dynamoDb.endpoint,
      queues: [{ name: DISPATCH_QUEUE, visibilityTimeout: 360 }],
      buses: [{ busName: 'georedir-webhooks', rules: [] }],
      scheduleGroups: [SCHEDULE_GROUP],
    });
    closers.push(() => aws.close());

    const management = new ManagementStore(table.client, table.tableName, 30);
    const store = new DynamoDbStore(table.client, table.tableName, 30);
    let endpointCounter = 0;

    return {
      target: {
        dynamoDbEndpoint: dynamoDb.endpoint,
        tableName: table.tableName,
        awsEndpoint: aws.url,
        queueUrl: aws.sqs.queueUrl(DISPATCH_QUEUE),
        queueArn: aws.sqs.queueArn(DISPATCH_QUEUE),
        scheduleGroupName: SCHEDULE_GROUP,
        schedulerRoleArn: 'arn:aws:iam::000000000000:role/webhook-retry-scheduler',
      },
      dynamoDbStartupMs: dynamoDb.startupMs,
      async account(accountId, receivers) {
        const now = new Date().toISOString();
        await management.createAccount({ accountId, name: accountId, webhooksEnabled: true, maxEndpoints: 50, createdAt: now });
        for (const receiver of receivers) {
          endpointCounter += 1;
          const endpoint: Endpoint = {
            accountId,
            endpointId: `ep_bench${endpointCounter}`,
            url: receiver.url,
            events: ['*'],
            status: 'active',
            secret: `whsec_${randomBytes(24).toString('base64')}`,
            consecutiveFailures: 0,
            createdAt: now,
            updatedAt: now,
          };
          await store.createEndpoint(endpoint);
        }
      },
      async receiver(options) {
        const receiver = await startBenchReceiver(options);
        closers.push(() => receiver.close());
        return receiver;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
