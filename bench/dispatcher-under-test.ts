// The one place that knows how the dispatcher is built: everything else in bench/ drives it
// through `handleBatch` and sees AWS only as API calls. Today it wires DeliveryService as
// lambdas/dispatcher/handler.ts does (records concurrently, a record that throws is a failed
// message); switch this function to the composition root (createDeliveryService) when it lands.
import { createHttpSender } from '../lambdas/adapters/http-sender';
import { createOperationalEvents } from '../lambdas/adapters/operational-events';
import { createRetryScheduler } from '../lambdas/adapters/retry-scheduler';
import { DynamoDbStore } from '../lambdas/adapters/dynamodb-store';
import { DeliveryService, type DeliveryLog, type DeliveryMetric } from '../lambdas/delivery/delivery-service';
import type { DispatcherConfig } from '../lambdas/dispatcher/config';
import type { AwsClients } from '../lambdas/shared/aws-clients';
import { USER_AGENT } from '../lambdas/shared/version';

export interface QueueMessage {
  readonly id: string;
  readonly body: string;
  readonly receiveCount: number;
}

export interface DispatcherUnderTest {
  /** One SQS batch; returns the ids of the messages that failed (to be redelivered by SQS). */
  handleBatch(messages: readonly QueueMessage[]): Promise<string[]>;
  close(): Promise<void>;
}

export interface DispatcherInput {
  readonly config: DispatcherConfig;
  readonly clients: AwsClients;
  readonly log: DeliveryLog;
  readonly count?: (metric: DeliveryMetric) => void;
}

export function createDispatcherUnderTest(input: DispatcherInput): DispatcherUnderTest {
  const { config, clients } = input;
  const sender = createHttpSender({ allowPrivate: config.allowPrivateEndpoints, timeoutMs: config.deliveryTimeoutMs });
  const service = new DeliveryService({
    store: new DynamoDbStore(clients.dynamodb, config.tableName, config.attemptRetentionDays),
    sender,
    retries: createRetryScheduler({
      sqs: clients.sqs,
      scheduler: clients.scheduler,
      queueUrl: config.dispatchQueueUrl,
      queueArn: config.dispatchQueueArn,
      schedulerRoleArn: config.schedulerRoleArn,
      scheduleGroupName: config.scheduleGroupName,
    }),
    operationalEvents: createOperationalEvents(clients.eventBridge, config.eventBusName),
    retrySchedule: config.retrySchedule,
    eventSource: config.eventSource,
    deliveryTimeoutMs: config.deliveryTimeoutMs,
    userAgent: USER_AGENT,
    log: input.log,
    ...(input.count ? { count: input.count } : {}),
  });
  return {
    async handleBatch(messages) {
      const results = await Promise.allSettled(messages.map((message) => service.handleMessage(message.body)));
      return messages.filter((_, index) => results[index]!.status === 'rejected').map((message) => message.id);
    },
    close: () => sender.close(),
  };
}
