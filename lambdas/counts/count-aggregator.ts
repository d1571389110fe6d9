// The counts aggregator: one stream batch of delivery item changes (and log pages' filtered
// counts) in, one ADD per endpoint and hour out (count-deliveries.ts has the rules). It runs off
// the delivery path, on the table's stream, so the dispatcher makes no write for the chart.
//
// A write that fails is retried by the event source from the earliest record of its sum (the
// partial batch response's checkpoint). Sums written after that record are added again on the
// retry, so after a failed write the chart can overcount a little; it never drops counts silently
// (after the event source's retries the batch goes to the dead-letter queue, which alarms).
import type { DynamoDBRecord } from 'aws-lambda';
import type { Log } from '../shared/logger';
import { compareSequenceNumbers, type EndpointHourSum, sumStreamRecords } from './count-deliveries';
import type { HourlyCountsStore } from './hourly-counts-store';

/** Counters the aggregator reports; the handler maps them to CloudWatch metrics (a counted log page is one change). */
export type CountsMetric = 'DeliveryChangesCounted' | 'HourlyCountWrites' | 'HourlyCountWriteFailures';

export interface CountAggregatorDeps {
  readonly store: HourlyCountsStore;
  readonly log: Log;
  readonly count?: (metric: CountsMetric, value: number) => void;
}

/** Writes in flight at once: a batch of many endpoints does not open hundreds of connections. */
const WRITE_CONCURRENCY = 16;

export class CountAggregator {
  constructor(private readonly deps: CountAggregatorDeps) {}

  /**
   * Adds a stream batch to the hourly counts; returns the sequence number to retry the batch from
   * (the earliest record of a sum whose write failed), or undefined when everything was written.
   */
  async handleRecords(records: readonly DynamoDBRecord[]): Promise<string | undefined> {
    const { log } = this.deps;
    const count = this.deps.count ?? (() => undefined);
    const { sums, counted, unreadable } = sumStreamRecords(records);
    // A record that cannot be read now never will be: retrying it would only hold up the stream.
    for (const sequenceNumber of unreadable) log.warn('stream record is not a readable delivery item or log page; not counted', { sequenceNumber });
    count('DeliveryChangesCounted', counted);

    const failed: string[] = [];
    const queue = [...sums];
    const write = async (sum: EndpointHourSum) => {
      try {
        await this.deps.store.addHourlyCounts(sum.accountId, sum.endpointId, sum.hour, sum.counts);
        count('HourlyCountWrites', 1);
      } catch (error) {
        failed.push(sum.firstSequenceNumber);
        count('HourlyCountWriteFailures', 1);
        log.error('could not add hourly counts; the batch is retried from the sum\'s first record', {
          accountId: sum.accountId,
          endpointId: sum.endpointId,
          hour: sum.hour.toISOString(),
          sequenceNumber: sum.firstSequenceNumber,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(WRITE_CONCURRENCY, queue.length) }, async () => {
        for (let sum = queue.shift(); sum; sum = queue.shift()) await write(sum);
      }),
    );
    return failed.sort(compareSequenceNumbers)[0];
  }
}
