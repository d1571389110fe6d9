// Dispatcher: SQS batch in, partial batch response out. The whole batch goes to the service at
// once (one read for all of it); messages it reports as failed are retried by SQS and, in the
// end, redriven to the DLQ.
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAwsClients } from '../shared/aws-clients';
import { loadDispatcherConfig } from './config';
import { createDeliveryService } from './create-delivery-service';

const logger = new Logger();
const metrics = new Metrics();
const service = createDeliveryService({
  config: loadDispatcherConfig(),
  clients: createAwsClients(),
  log: logger,
  count: (metric) => metrics.addMetric(metric, MetricUnit.Count, 1),
});

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  try {
    const failed = await service.handleBatch(event.Records.map((record) => ({ id: record.messageId, body: record.body })));
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  } finally {
    metrics.publishStoredMetrics();
  }
}
