// The counts aggregator's composition root: the handler, the bench and the tests build it here.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbHourlyCountsStore } from '../adapters/dynamodb-hourly-counts-store';
import { Table } from '../adapters/dynamodb-table';
import type { Log } from '../shared/logger';
import { CountAggregator, type CountsMetric } from './count-aggregator';
import type { CountsConfig } from './config';

export interface CountAggregatorParts {
  readonly config: CountsConfig;
  readonly dynamodb: DynamoDBClient;
  readonly log: Log;
  readonly count?: (metric: CountsMetric, value: number) => void;
}

export function createCountAggregator(parts: CountAggregatorParts): CountAggregator {
  const table = new Table(parts.dynamodb, parts.config.tableName, parts.config.retentionDays);
  return new CountAggregator({
    store: new DynamoDbHourlyCountsStore(table),
    log: parts.log,
    ...(parts.count ? { count: parts.count } : {}),
  });
}
