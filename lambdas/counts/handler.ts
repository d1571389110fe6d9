// Counts aggregator: a batch of the table's stream (delivery items and log pages with filtered
// counts only, by the event source's filters) in, the portal chart's hourly counts added, a
// partial batch response out: the earliest record of a sum that could not be written is where the
// event source retries from.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { Logger } from '../shared/logger';
import { Metrics } from '../shared/metrics';
import { loadCountsConfig } from './config';
import { createCountAggregator } from './create-count-aggregator';

const logger = new Logger();
const metrics = new Metrics();
// DynamoDB only: the bundle carries no other SDK client.
const aggregator = createCountAggregator({
  config: loadCountsConfig(),
  dynamodb: new DynamoDBClient({}),
  log: logger,
  count: (metric, value) => metrics.count(metric, value),
});

export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  logger.addContext(context);
  try {
    const retryFrom = await aggregator.handleRecords(event.Records);
    return { batchItemFailures: retryFrom === undefined ? [] : [{ itemIdentifier: retryFrom }] };
  } finally {
    metrics.publish();
  }
}
