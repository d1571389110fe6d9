// The dispatcher's composition root: the one place that wires DeliveryService to its adapters.
// The Lambda handler, the bench and the tests all build the dispatcher here.
import { DynamoDbDeliveryStore } from '../adapters/dynamodb-delivery-store';
import { Table } from '../adapters/dynamodb-table';
import { createHttpSender } from '../adapters/http-sender';
import { createOperationalEvents } from '../adapters/operational-events';
import { createRetryScheduler } from '../adapters/retry-scheduler';
import { KmsSecretBox } from '../adapters/secret-box';
import { type DeliveryMetric, DeliveryService } from '../delivery/delivery-service';
import type { DeliveryStore } from '../delivery/delivery-store';
import type { HttpSender } from '../delivery/ports';
import type { AwsClients } from '../shared/aws-clients';
import type { Log } from '../shared/logger';
import { USER_AGENT } from '../shared/version';
import { type DispatcherConfig, recordWaitLimitSeconds } from './config';

export interface DispatcherParts {
  readonly config: DispatcherConfig;
  readonly clients: AwsClients;
  readonly log: Log;
  readonly count?: (metric: DeliveryMetric, value?: number) => void;
  readonly now?: () => Date;
  /** Replaces the HTTP sender (benchmarks compare senders). */
  readonly sender?: HttpSender;
  /** Replaces the DynamoDB store (tests). */
  readonly store?: DeliveryStore;
}

export function createDeliveryService(parts: DispatcherParts): DeliveryService {
  const { config, clients } = parts;
  return new DeliveryService({
    store:
      parts.store ??
      new DynamoDbDeliveryStore(new Table(clients.dynamodb, config.tableName, config.attemptRetentionDays), new KmsSecretBox(clients.kms, config.secretsKeyArn)),
    sender: parts.sender ?? createHttpSender({ allowPrivate: config.allowPrivateEndpoints, timeoutMs: config.deliveryTimeoutMs }),
    retries: createRetryScheduler({
      sqs: clients.sqs,
      scheduler: clients.scheduler,
      queueUrl: config.retryQueueUrl,
      scheduleGroupName: config.scheduleGroupName,
      schedules: {
        queueArn: config.retryQueueArn,
        schedulerRoleArn: config.schedulerRoleArn,
        deadLetterQueueArn: config.schedulerDeadLetterQueueArn,
      },
    }),
    operationalEvents: createOperationalEvents(clients.eventBridge, config.eventBusName),
    retrySchedule: config.retrySchedule,
    eventSource: config.eventSource,
    deliveryTimeoutMs: config.deliveryTimeoutMs,
    recordWaitLimitSeconds: recordWaitLimitSeconds(config.deliveryTimeoutMs),
    accountCacheMs: config.accountCacheSeconds * 1000,
    userAgent: USER_AGENT,
    log: parts.log,
    ...(parts.count ? { count: parts.count } : {}),
    ...(parts.now ? { now: parts.now } : {}),
  });
}
