// The portal chart's counting rules: what one change of a delivery item (its old and new image on
// the table's stream) adds to its endpoint's hour, what a log page's insert adds, and the sums of a
// whole stream batch. Pure: no AWS call, no clock. Only the item's top-level attributes are read
// (delivery-items.ts keeps status, attemptCount and the ids outside the deflated `doc`), so a record
// is never inflated.
//
// The rules, per change of one delivery item:
// - into `succeeded`: succeeded + 1;
// - into `failed`: failed + 1, and failedAttempts + 1 when the change records an attempt (attemptCount grew);
// - into `skipped`: skipped + 1;
// - `pending` with attemptCount grown: failedAttempts + 1 (an attempt failed, a retry follows);
// - nothing for a claim (only claimedAttempt/claimExpiresAt change), an unchanged status, a removal
//   (TTL), a test send, or a redelivery reopening a finished delivery (it counts when its attempt is
//   recorded). Nor for the management API undoing a redelivery it could not queue (restoreDelivery:
//   pending back to the old status with no attempt, retryScheduledFor removed): the first count stands.
//
// Per log page (LOG#<account>#<shard>): an event an endpoint's filter leaves out makes no delivery
// item, so the dispatcher notes it on its batch's log page instead (filtered-counts.ts):
// - its insert with a `filtered` attribute: filtered + n for each endpoint it names, in the hour of
//   the page's time (the start of its sort key);
// - nothing for an insert without one, a change or a removal (TTL): a page is written once, so only
//   its insert is the batch's.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { DELIVERY_KEY_PREFIX, LOG_KEY_PREFIX, PK, SK } from '../adapters/table-keys';
import type { DeliveryStatus } from '../domain/model';
import { decodeFilteredCounts, FILTERED_ATTRIBUTE, logPageAccount } from './filtered-counts';
import { type HourlyCounts, NO_COUNTS } from './hourly-counts-store';

/** The attributes of a delivery item the rules read. */
export interface DeliveryState {
  readonly accountId: string;
  readonly endpointId: string;
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
  readonly updatedAt?: string;
  readonly test?: boolean;
  readonly retryScheduledFor?: number;
}

/** What one stream batch adds to one endpoint's hour, and the earliest record that made it. */
export interface EndpointHourSum {
  readonly accountId: string;
  readonly endpointId: string;
  /** The start of the hour (UTC). */
  readonly hour: Date;
  readonly counts: HourlyCounts;
  /** A failed write of this sum is retried from this record on (see count-aggregator.ts). */
  readonly firstSequenceNumber: string;
}

export interface StreamBatchSums {
  readonly sums: EndpointHourSum[];
  /** Records that changed a counter. */
  readonly counted: number;
  /** Sequence numbers of delivery or log page records whose images could not be read (logged, never retried). */
  readonly unreadable: string[];
}

/** What a log page's insert adds: each endpoint's filtered events, at the page's time. */
export interface LogPageCounts {
  readonly accountId: string;
  /** The page's time (ISO-8601), from its sort key; absent when the key does not start with one. */
  readonly at?: string;
  readonly filtered: ReadonlyMap<string, number>;
}

const STATUSES: ReadonlySet<string> = new Set<DeliveryStatus>(['pending', 'succeeded', 'failed', 'skipped']);
const READ_ATTRIBUTES = ['accountId', 'endpointId', 'status', 'attemptCount', 'updatedAt', 'test', 'retryScheduledFor'];
const HOUR_MS = 3_600_000;

/** What one change of a delivery item adds to its endpoint's counters (all zero: nothing). */
export function countChange(before: DeliveryState | undefined, after: DeliveryState | undefined): HourlyCounts {
  if (!after || after.test === true) return NO_COUNTS;
  const attempted = after.attemptCount > (before?.attemptCount ?? 0);
  const entered = before?.status !== after.status;
  if (!attempted && entered && before?.status === 'pending' && undoesRedelivery(before, after)) return NO_COUNTS;
  switch (after.status) {
    case 'succeeded':
      return entered ? { ...NO_COUNTS, succeeded: 1 } : NO_COUNTS;
    case 'failed':
      return entered ? { ...NO_COUNTS, failed: 1, failedAttempts: attempted ? 1 : 0 } : NO_COUNTS;
    case 'skipped':
      return entered ? { ...NO_COUNTS, skipped: 1 } : NO_COUNTS;
    case 'pending':
      return attempted ? { ...NO_COUNTS, failedAttempts: 1 } : NO_COUNTS;
    default:
      return NO_COUNTS;
  }
}

/**
 * restoreDelivery (management/delivery-log-store.ts) is the only write that ends a pending
 * delivery without an attempt and removes retryScheduledFor; closeDelivery (a skip) keeps it.
 */
function undoesRedelivery(before: DeliveryState, after: DeliveryState): boolean {
  return after.status !== 'pending' && before.retryScheduledFor !== undefined && after.retryScheduledFor === undefined;
}

/** The rules' attributes of a stream image; undefined when absent or not a delivery's. */
export function deliveryStateOf(image: Record<string, unknown> | undefined): DeliveryState | undefined {
  if (!image) return undefined;
  let values: Record<string, unknown>;
  try {
    // Only these attributes: the deflated doc is never decoded.
    const picked = Object.fromEntries(READ_ATTRIBUTES.filter((name) => image[name] !== undefined).map((name) => [name, image[name]]));
    values = unmarshall(picked as Record<string, AttributeValue>);
  } catch {
    return undefined;
  }
  const { accountId, endpointId, status, attemptCount = 0, updatedAt, test, retryScheduledFor } = values;
  if (typeof accountId !== 'string' || typeof endpointId !== 'string' || typeof status !== 'string' || !STATUSES.has(status)) return undefined;
  if (typeof attemptCount !== 'number') return undefined;
  return {
    accountId,
    endpointId,
    status: status as DeliveryStatus,
    attemptCount,
    ...(typeof updatedAt === 'string' ? { updatedAt } : {}),
    ...(test === true ? { test } : {}),
    ...(typeof retryScheduledFor === 'number' ? { retryScheduledFor } : {}),
  };
}

/**
 * What a log page's stream record adds (see the rules above): undefined when nothing, 'unreadable'
 * for an insert whose `filtered` attribute or key is not as the dispatcher writes it.
 */
export function logPageCountsOf(record: DynamoDBRecord): LogPageCounts | 'unreadable' | undefined {
  const stream = record.dynamodb;
  const attribute = stream?.NewImage?.[FILTERED_ATTRIBUTE];
  if (record.eventName !== 'INSERT' || !stream || stream.OldImage || !attribute) return undefined;
  const accountId = logPageAccount(stream.Keys?.[PK]?.S ?? '');
  const filtered = attribute.S === undefined ? undefined : decodeFilteredCounts(attribute.S);
  if (accountId === undefined || !filtered) return 'unreadable';
  const at = stream.Keys?.[SK]?.S?.split('#')[0];
  return { accountId, ...(at ? { at } : {}), filtered };
}

/** Sums a stream batch per endpoint and hour (the new image's updatedAt, or a log page's time; else the record's time). */
export function sumStreamRecords(records: readonly DynamoDBRecord[]): StreamBatchSums {
  const sums = new Map<string, { accountId: string; endpointId: string; hour: Date; counts: Record<keyof HourlyCounts, number>; firstSequenceNumber: string }>();
  const unreadable: string[] = [];
  let counted = 0;
  const add = (accountId: string, endpointId: string, hour: Date, counts: HourlyCounts, sequenceNumber: string) => {
    const key = `${accountId}/${endpointId}/${hour.getTime()}`;
    const sum = sums.get(key) ?? { accountId, endpointId, hour, counts: { ...NO_COUNTS }, firstSequenceNumber: sequenceNumber };
    for (const name of Object.keys(counts) as Array<keyof HourlyCounts>) sum.counts[name] += counts[name];
    if (compareSequenceNumbers(sequenceNumber, sum.firstSequenceNumber) < 0) sum.firstSequenceNumber = sequenceNumber;
    sums.set(key, sum);
  };
  for (const record of records) {
    const stream = record.dynamodb;
    const sequenceNumber = stream?.SequenceNumber ?? '';
    const partitionKey = stream?.Keys?.[PK]?.S ?? '';
    if (partitionKey.startsWith(LOG_KEY_PREFIX)) {
      const page = logPageCountsOf(record);
      if (!page) continue;
      const hour = page === 'unreadable' ? undefined : hourStart(page.at, stream?.ApproximateCreationDateTime);
      if (page === 'unreadable' || !hour) {
        unreadable.push(sequenceNumber);
        continue;
      }
      counted += 1;
      for (const [endpointId, filtered] of page.filtered) add(page.accountId, endpointId, hour, { ...NO_COUNTS, filtered }, sequenceNumber);
      continue;
    }
    // The event source's filter keeps other items away; a record of one is never a delivery's change.
    if (!stream || !partitionKey.startsWith(DELIVERY_KEY_PREFIX)) continue;
    const after = deliveryStateOf(stream.NewImage);
    if (stream.NewImage && !after) {
      unreadable.push(sequenceNumber);
      continue;
    }
    const counts = countChange(deliveryStateOf(stream.OldImage), after);
    if (!after || !Object.values(counts).some((count) => count > 0)) continue;
    const hour = hourStart(after.updatedAt, stream.ApproximateCreationDateTime);
    if (!hour) {
      unreadable.push(sequenceNumber);
      continue;
    }
    counted += 1;
    add(after.accountId, after.endpointId, hour, counts, sequenceNumber);
  }
  return { sums: [...sums.values()], counted, unreadable };
}

function hourStart(time: string | undefined, approximateCreationSeconds: number | undefined): Date | undefined {
  const parsed = time !== undefined ? Date.parse(time) : Number.NaN;
  const at = Number.isFinite(parsed) ? parsed : approximateCreationSeconds !== undefined ? approximateCreationSeconds * 1000 : Number.NaN;
  return Number.isFinite(at) ? new Date(Math.floor(at / HOUR_MS) * HOUR_MS) : undefined;
}

/** Stream sequence numbers are decimal strings of any length: compare as numbers. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
