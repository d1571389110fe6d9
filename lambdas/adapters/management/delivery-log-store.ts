// The API's view of deliveries: one delivery by id, the account's delivery log (log pages written
// by the dispatcher per batch, LOG_SHARDS shards merged newest first), redelivery, test sends.
import { GetCommand, PutCommand, QueryCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LogEntry } from '../../delivery/delivery-store';
import type { Attempt, AttemptOutcome, Delivery, DeliveryStatus } from '../../domain/model';
import { decodeLogEntries, deliveryFromItem, deliveryItem } from '../delivery-items';
import { putLogPage } from '../dynamodb-delivery-store';
import { conditionHeld, type Table } from '../dynamodb-table';
import { keys, LOG_SHARDS, PK, SK } from '../table-keys';
import { type CursorCodec, InvalidCursorError } from './cursor';
import { type LogPage, type LogPosition, type MergedLog, mergeLogShards, type PlacedEntry } from './log-merge';

export interface AttemptPage {
  readonly items: Attempt[];
  /** Present when more items may follow. */
  readonly nextCursor?: string;
}

/** What GET /v1/deliveries narrows the account's deliveries to; absent fields do not narrow. */
export interface DeliveryFilters {
  readonly status?: DeliveryStatus;
  readonly endpointId?: string;
  readonly eventType?: string;
  /** Created at or after (ISO-8601, UTC). */
  readonly since?: string;
  /** Created at or before (ISO-8601, UTC). */
  readonly until?: string;
}

export interface DeliveryPage {
  readonly items: Delivery[];
  /** Present when more items may follow; a page may be short (even empty) and still have one. */
  readonly nextCursor?: string;
}

/** A delivery known only from its log line (see DeliveryLogStore.findLoggedDelivery). */
export interface LoggedDelivery {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly eventType: string;
  /** When its batch was logged (ISO-8601), just before the first attempt. */
  readonly loggedAt: string;
}

/** A log entry with where it stands in the log (for cursors). */
type PlacedLogEntry = PlacedEntry<LogEntry>;

/** Log pages one request reads at most; a page of results may then come back short, with a cursor. */
export const MAX_PAGES_PER_REQUEST = 40;
const PAGES_PER_QUERY = 10;
/**
 * Deliveries one listDeliveries call reads at most (BatchGetItem), whatever its filters: a status
 * that matches few deliveries answers a short page with a cursor instead of reading the whole log.
 */
export const MAX_DELIVERIES_READ_PER_REQUEST = 400;
const BATCH_GET_SIZE = 100;
/**
 * How far a log page's time (its batch's start, or a test send's end) may stand from the
 * createdAt of a delivery it creates: since/until bound the log read by this much more, then
 * createdAt decides exactly. A "created" line much later than its delivery's createdAt is another
 * copy of the event, logged before the dispatcher found the delivery made.
 */
const LOG_TIME_SLACK_MS = 5 * 60_000;

const shifted = (time: string, ms: number) => new Date(Date.parse(time) + ms).toISOString();

export function matchesDeliveryFilters(delivery: Delivery, filters: DeliveryFilters): boolean {
  if (filters.status !== undefined && delivery.status !== filters.status) return false;
  if (filters.endpointId !== undefined && delivery.endpointId !== filters.endpointId) return false;
  if (filters.eventType !== undefined && delivery.eventType !== filters.eventType) return false;
  const created = Date.parse(delivery.createdAt);
  if (filters.since !== undefined && created < Date.parse(filters.since)) return false;
  if (filters.until !== undefined && created > Date.parse(filters.until)) return false;
  return true;
}

export class DeliveryLogStore {
  constructor(
    private readonly table: Table,
    private readonly cursors: CursorCodec,
  ) {}

  /** The delivery if it belongs to the account; another account's delivery reads as absent. */
  async getDelivery(accountId: string, deliveryId: string): Promise<Delivery | undefined> {
    const { Item } = await this.table.documents.send(
      new GetCommand({ TableName: this.table.name, Key: keys.delivery(deliveryId), ConsistentRead: true }),
    );
    const delivery = Item ? deliveryFromItem(Item) : undefined;
    return delivery?.accountId === accountId ? delivery : undefined;
  }

  /** Deliveries by id that belong to the account, in no particular order. */
  async getDeliveries(accountId: string, deliveryIds: readonly string[]): Promise<Delivery[]> {
    const items = await this.table.batchGet(deliveryIds.map((id) => keys.delivery(id)));
    return items.map(deliveryFromItem).filter((delivery) => delivery.accountId === accountId);
  }

  /** One page of the endpoint's attempt log, newest first, optionally only one outcome. */
  async listEndpointAttempts(
    accountId: string,
    endpointId: string,
    options: { limit: number; cursor?: string; outcome?: AttemptOutcome },
  ): Promise<AttemptPage> {
    const scope = `attempts\n${accountId}\n${endpointId}\n${options.outcome ?? ''}`;
    const start = options.cursor === undefined ? undefined : await this.decodeCursor(options.cursor, scope);
    const items: Attempt[] = [];
    let resumeAt: LogPosition | undefined;
    const seen = new Set<string>();
    const reader = this.readLog(accountId, { ...(start ? { start } : {}) });
    let batch: PlacedLogEntry[] = [];
    const flush = async (): Promise<boolean> => {
      const deliveries = new Map((await this.getDeliveries(accountId, batch.map((placed) => placed.entry.deliveryId))).map((d) => [d.deliveryId, d]));
      for (const placed of batch) {
        const attempt = deliveries.get(placed.entry.deliveryId)?.attempts.find((candidate) => candidate.attempt === placed.entry.attempt);
        if (!attempt || (options.outcome && attempt.outcome !== options.outcome)) continue;
        if (items.length === options.limit) {
          resumeAt = placed;
          return true;
        }
        items.push(attempt);
      }
      batch = [];
      return false;
    };
    for await (const placed of reader.entries()) {
      const { entry } = placed;
      const id = `${entry.deliveryId}#${entry.attempt}`;
      if (entry.endpointId !== endpointId || entry.attempt < 1 || seen.has(id)) continue;
      seen.add(id);
      batch.push(placed);
      if (batch.length >= options.limit + 1 && (await flush())) break;
    }
    if (!resumeAt && batch.length > 0) await flush();
    resumeAt ??= reader.stoppedAt();
    return { items, ...(resumeAt ? { nextCursor: await this.cursors.encode({ ...resumeAt }, scope) } : {}) };
  }

  /**
   * One page of the account's deliveries, newest first: the log's "created" lines (endpoint and
   * event type filtered there), then the deliveries they name read in batches (status and time
   * filtered on the delivery). Bounded per call by MAX_PAGES_PER_REQUEST log pages and
   * MAX_DELIVERIES_READ_PER_REQUEST deliveries; the cursor carries on from where it stopped.
   */
  async listDeliveries(accountId: string, filters: DeliveryFilters, options: { limit: number; cursor?: string }): Promise<DeliveryPage> {
    const scope = `deliveries\n${accountId}\n${JSON.stringify([filters.status, filters.endpointId, filters.eventType, filters.since, filters.until])}`;
    const start = options.cursor === undefined ? undefined : await this.decodeCursor(options.cursor, scope);
    const reader = this.readLog(accountId, {
      ...(start ? { start } : {}),
      ...(filters.since === undefined ? {} : { since: shifted(filters.since, -LOG_TIME_SLACK_MS) }),
      ...(filters.until === undefined ? {} : { before: shifted(filters.until, LOG_TIME_SLACK_MS) }),
    });
    const items: Delivery[] = [];
    // Deduplicated on the delivery, not the log line: of two "created" lines only the one near createdAt counts.
    const listed = new Set<string>();
    let budget = MAX_DELIVERIES_READ_PER_REQUEST;
    let resumeAt: PlacedLogEntry | undefined;
    let outOfBudgetAt: PlacedLogEntry | undefined;
    let batch: PlacedLogEntry[] = [];
    const flush = async (): Promise<boolean> => {
      const found = new Map((await this.getDeliveries(accountId, batch.map((placed) => placed.entry.deliveryId))).map((d) => [d.deliveryId, d]));
      for (const placed of batch) {
        const delivery = found.get(placed.entry.deliveryId);
        if (!delivery || listed.has(delivery.deliveryId) || !matchesDeliveryFilters(delivery, filters)) continue;
        if (Date.parse(placed.position.slice(0, 24)) - Date.parse(delivery.createdAt) > LOG_TIME_SLACK_MS) continue;
        if (items.length === options.limit) {
          resumeAt = placed;
          return true;
        }
        items.push(delivery);
        listed.add(delivery.deliveryId);
      }
      batch = [];
      return false;
    };
    for await (const placed of reader.entries()) {
      const { entry } = placed;
      if (!entry.created || listed.has(entry.deliveryId)) continue;
      if (filters.endpointId !== undefined && entry.endpointId !== filters.endpointId) continue;
      if (filters.eventType !== undefined && entry.eventType !== filters.eventType) continue;
      if (budget === 0) {
        outOfBudgetAt = placed;
        break;
      }
      batch.push(placed);
      budget -= 1;
      // Just enough to fill the page when most lines match; bigger reads when a status filter skips many.
      const wanted = options.limit - items.length + 1;
      const size = Math.min(BATCH_GET_SIZE, filters.status === undefined ? wanted : Math.max(wanted, BATCH_GET_SIZE / 2), budget + batch.length);
      if (batch.length >= size && (await flush())) break;
    }
    if (!resumeAt && batch.length > 0) await flush();
    const next = resumeAt ?? outOfBudgetAt ?? reader.stoppedAt();
    return { items, ...(next ? { nextCursor: await this.cursors.encode({ shard: next.shard, position: next.position, index: next.index }, scope) } : {}) };
  }

  /**
   * The log's "created" line for a delivery logged since `since` but not recorded yet: the
   * dispatcher logs a batch before its sends and records a new delivery after its first attempt, so
   * this is a delivery whose first attempt is under way. Reads at most MAX_PAGES_PER_REQUEST pages.
   */
  async findLoggedDelivery(accountId: string, deliveryId: string, since: Date): Promise<LoggedDelivery | undefined> {
    for await (const { entry, position } of this.readLog(accountId, { since: since.toISOString() }).entries()) {
      if (entry.created && entry.deliveryId === deliveryId) {
        return { deliveryId, endpointId: entry.endpointId, eventType: entry.eventType, loggedAt: position.slice(0, 24) };
      }
    }
    return undefined;
  }

  /** Distinct ids of the endpoint's deliveries that were created, attempted or closed at or after `since` (newest first). */
  async deliveryIdsSince(accountId: string, endpointId: string, since: string, maxEntries: number): Promise<{ deliveryIds: string[]; truncated: boolean }> {
    const ids = new Set<string>();
    let read = 0;
    const reader = this.readLog(accountId, { since, maxPages: Math.ceil(maxEntries / 10) });
    for await (const { entry } of reader.entries()) {
      read += 1;
      if (entry.endpointId === endpointId) ids.add(entry.deliveryId);
      if (read >= maxEntries) return { deliveryIds: [...ids], truncated: true };
    }
    return { deliveryIds: [...ids], truncated: reader.stoppedAt() !== undefined };
  }

  /**
   * Reopens a finished delivery as pending for attempt `attempt` (= attemptCount + 1), only if it
   * is still as the caller saw it. The dispatcher then takes it from the retry message.
   */
  async reopenDelivery(delivery: Pick<Delivery, 'deliveryId' | 'status' | 'attemptCount'>, at: string): Promise<boolean> {
    return conditionHeld(
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.delivery(delivery.deliveryId),
          UpdateExpression:
            'SET #status = :pending, updatedAt = :at, redeliveredAt = :at, retryScheduledFor = :attempt REMOVE reason, nextAttemptAt',
          ConditionExpression: '#status = :seen AND attemptCount = :count AND attribute_not_exists(test)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':at': at, ':attempt': delivery.attemptCount + 1, ':seen': delivery.status, ':count': delivery.attemptCount },
        }),
      ),
    );
  }

  /** Undoes reopenDelivery when the retry message could not be sent, unless the dispatcher already started. */
  async restoreDelivery(delivery: Pick<Delivery, 'deliveryId' | 'status' | 'attemptCount' | 'reason'>, at: string): Promise<boolean> {
    return conditionHeld(
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.delivery(delivery.deliveryId),
          UpdateExpression: `SET #status = :status, updatedAt = :at${delivery.reason === undefined ? '' : ', reason = :reason'} REMOVE retryScheduledFor`,
          ConditionExpression: '#status = :pending AND attemptCount = :count AND (attribute_not_exists(claimedAttempt) OR claimedAttempt <= :count)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': delivery.status,
            ':at': at,
            ':pending': 'pending',
            ':count': delivery.attemptCount,
            ...(delivery.reason === undefined ? {} : { ':reason': delivery.reason }),
          },
        }),
      ),
    );
  }

  /** Logs a test send: a finished one-attempt delivery, and its line in the account's log. */
  async recordTestSend(delivery: Delivery & { test: true }, now: Date): Promise<void> {
    const entry: LogEntry = { deliveryId: delivery.deliveryId, endpointId: delivery.endpointId, eventType: delivery.eventType, attempt: 1, created: true };
    await this.table.documents.send(
      new PutCommand({ TableName: this.table.name, Item: deliveryItem(delivery, this.table.expiresAt(now)), ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }),
    );
    await putLogPage(this.table, delivery.accountId, [entry], now);
  }

  private async decodeCursor(cursor: string, scope: string): Promise<LogPosition> {
    let position: Record<string, unknown>;
    try {
      position = await this.cursors.decode(cursor, scope);
    } catch (error) {
      if (error instanceof InvalidCursorError || error instanceof SyntaxError) throw new InvalidCursorError();
      throw error;
    }
    const { shard, position: at, index } = position;
    if (typeof shard !== 'number' || typeof at !== 'string' || typeof index !== 'number' || !Number.isInteger(shard) || shard < 0 || shard >= LOG_SHARDS) {
      throw new InvalidCursorError();
    }
    return { shard, position: at, index };
  }

  /** The account's log, newest first, all shards merged; bounded per request. `before` bounds it above when there is no cursor. */
  private readLog(accountId: string, options: { start?: LogPosition; since?: string; before?: string; maxPages?: number }): MergedLog<LogEntry> {
    const upper = options.start?.position ?? options.before;
    const shards = Array.from({ length: LOG_SHARDS }, (_, shard) =>
      // Only the cursor's own shard reads the cursor's page again, from the cursor's index.
      this.shardPages(keys.logShard(accountId, shard), { upper, inclusive: options.start?.shard === shard, since: options.since }),
    );
    return mergeLogShards(shards, { ...(options.start ? { start: options.start } : {}), maxPages: options.maxPages ?? MAX_PAGES_PER_REQUEST });
  }

  /** One shard's log pages, newest first, in `range`. */
  private async *shardPages(pk: string, range: ShardRange): AsyncGenerator<LogPage<LogEntry>> {
    const query = shardRangeQuery(pk, range);
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.table.documents.send(
        new QueryCommand({ TableName: this.table.name, ...query, ScanIndexForward: false, Limit: PAGES_PER_QUERY, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        const position = String(item[SK]);
        // BETWEEN is inclusive; only the cursor's own shard may repeat the cursor's page.
        if (position === range.upper && !range.inclusive) continue;
        yield { position, entries: decodeLogEntries(String(item.entries ?? '')) };
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}

/** A stretch of one shard's log: pages at or after `since`, below `upper` (at it too when `inclusive`). */
interface ShardRange {
  readonly upper: string | undefined;
  readonly inclusive: boolean;
  readonly since: string | undefined;
}

function shardRangeQuery(
  pk: string,
  { upper, inclusive, since }: ShardRange,
): Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  const conditions = ['#pk = :pk'];
  const values: Record<string, unknown> = { ':pk': pk };
  if (upper !== undefined && since !== undefined) {
    conditions.push('#sk BETWEEN :since AND :upper');
    Object.assign(values, { ':since': since, ':upper': upper });
  } else if (upper !== undefined) {
    conditions.push(inclusive ? '#sk <= :upper' : '#sk < :upper');
    values[':upper'] = upper;
  } else if (since !== undefined) {
    conditions.push('#sk >= :since');
    values[':since'] = since;
  }
  return {
    KeyConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: conditions.length > 1 ? { '#pk': PK, '#sk': SK } : { '#pk': PK },
    ExpressionAttributeValues: values,
  };
}
