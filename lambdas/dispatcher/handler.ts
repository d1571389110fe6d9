// Dispatcher: SQS batch in, partial batch response out. Records are processed concurrently;
// a record that throws is reported as failed, retried by SQS and, in the end, redriven to the DLQ.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbStore } from '../adapters/dynamodb-store';
import { createHttpSender } from '../adapters/http-sender';
import { createOperationalEvents } from '../adapters/operational-events';
import { createRetryScheduler } from '../adapters/retry-scheduler';
import { DeliveryService } from '../delivery/delivery-service';
import { createAwsClients } from '../shared/aws-clients';
import { USER_AGENT } from '../shared/version';
import { loadDispatcherConfig } from './config';

const config = loadDispatcherConfig();
const logger = new Logger();
const metrics = new Metrics();
const clients = createAwsClients();
const processor = new BatchProcessor(EventType.SQS);

const service = new DeliveryService({
  store: new DynamoDbStore(clients.dynamodb, config.tableName, config.attemptRetentionDays),
  sender: createHttpSender({ allowPrivate: config.allowPrivateEndpoints, timeoutMs: config.deliveryTimeoutMs }),
  retries: createRetryScheduler({
    sqs: clients.sqs,
    scheduler: clients.scheduler,
    queueUrl: config.dispatchQueueUrl,
    queueArn: config.dispatchQueueArn,
    schedulerRoleArn: config.schedulerRoleArn,
    deadLetterQueueArn: config.schedulerDeadLetterQueueArn,
    scheduleGroupName: config.scheduleGroupName,
  }),
  operationalEvents: createOperationalEvents(clients.eventBridge, config.eventBusName),
  retrySchedule: config.retrySchedule,
  eventSource: config.eventSource,
  deliveryTimeoutMs: config.deliveryTimeoutMs,
  userAgent: USER_AGENT,
  log: logger,
  count: (metric) => metrics.addMetric(metric, MetricUnit.Count, 1),
});

async function processRecord(record: SQSRecord): Promise<void> {
  await service.handleMessage(record.body);
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, processRecord, processor, { context });
  } finally {
    metrics.publishStoredMetrics();
  }
}
