// Dispatcher: SQS batch in, partial batch response out. The whole batch goes to the service at
// once (one read for all of it); messages it reports as failed are retried by SQS and, in the
// end, redriven to the DLQ.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAwsClients } from '../shared/aws-clients';
import { Logger } from '../shared/logger';
import { Metrics } from '../shared/metrics';
import { partialBatchResponse } from '../shared/sqs-batch';
import { loadDispatcherConfig } from './config';
import { createDeliveryService } from './create-delivery-service';

const logger = new Logger();
const metrics = new Metrics();
const service = createDeliveryService({
  config: loadDispatcherConfig(),
  clients: createAwsClients(),
  log: logger,
  count: (metric, value) => metrics.count(metric, value),
});

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  try {
    const failed = await service.handleBatch(event.Records.map((record) => ({ id: record.messageId, body: record.body })));
    return partialBatchResponse(event.Records.length, failed);
  } finally {
    metrics.publish();
  }
}
