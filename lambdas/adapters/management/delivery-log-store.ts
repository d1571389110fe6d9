// The API's view of deliveries: one delivery by id, the account's delivery log (log pages written
// by the dispatcher per batch, LOG_SHARDS shards merged newest first), redelivery, test sends.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LogEntry } from '../../delivery/delivery-store';
import type { Attempt, AttemptOutcome, Delivery } from '../../domain/model';
import { decodeLogEntries, deliveryFromItem, deliveryItem } from '../delivery-items';
import { putLogPage } from '../dynamodb-delivery-store';
import { conditionHeld, type Table } from '../dynamodb-table';
import { keys, LOG_SHARDS, PK, SK } from '../table-keys';
import { type CursorCodec, InvalidCursorError } from './cursor';

export interface AttemptPage {
  readonly items: Attempt[];
  /** Present when more items may follow. */
  readonly nextCursor?: string;
}

/** A log entry with where it stands in the log (for cursors). */
interface PlacedEntry {
  readonly entry: LogEntry;
  readonly shard: number;
  readonly position: string;
  readonly index: number;
}

interface LogCursor {
  readonly shard: number;
  readonly position: string;
  /** Entries of that page before this index have been read. */
  readonly index: number;
}

/** Log pages one request reads at most; a page of results may then come back short, with a cursor. */
const MAX_PAGES_PER_REQUEST = 40;
const PAGES_PER_QUERY = 10;

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
    let resumeAt: LogCursor | undefined;
    const seen = new Set<string>();
    const reader = this.readLog(accountId, { ...(start ? { start } : {}) });
    let batch: PlacedEntry[] = [];
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

  private async decodeCursor(cursor: string, scope: string): Promise<LogCursor> {
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

  /** The account's log, newest first, all shards merged; bounded per request. */
  private readLog(accountId: string, options: { start?: LogCursor; since?: string; maxPages?: number }) {
    const table = this.table;
    const maxPages = options.maxPages ?? MAX_PAGES_PER_REQUEST;
    let pagesRead = 0;
    let stoppedAt: LogCursor | undefined;

    async function* shardPages(shard: number) {
      const upper = options.start?.position;
      const inclusive = options.start?.shard === shard;
      const conditions = ['#pk = :pk'];
      const values: Record<string, unknown> = { ':pk': keys.logShard(accountId, shard) };
      if (upper !== undefined && options.since !== undefined) {
        conditions.push('#sk BETWEEN :since AND :upper');
        Object.assign(values, { ':since': options.since, ':upper': upper });
      } else if (upper !== undefined) {
        conditions.push(inclusive ? '#sk <= :upper' : '#sk < :upper');
        values[':upper'] = upper;
      } else if (options.since !== undefined) {
        conditions.push('#sk >= :since');
        values[':since'] = options.since;
      }
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await table.documents.send(
          new QueryCommand({
            TableName: table.name,
            KeyConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: conditions.length > 1 ? { '#pk': PK, '#sk': SK } : { '#pk': PK },
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            Limit: PAGES_PER_QUERY,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const position = String(item[SK]);
          // BETWEEN is inclusive; only the cursor's own shard may repeat the cursor's page.
          if (upper !== undefined && position === upper && !inclusive) continue;
          yield { shard, position, entries: decodeLogEntries(String(item.entries ?? '')) };
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }

    return {
      stoppedAt: () => stoppedAt,
      async *entries(): AsyncGenerator<PlacedEntry> {
        const streams = Array.from({ length: LOG_SHARDS }, (_, shard) => shardPages(shard));
        const heads = await Promise.all(streams.map((stream) => stream.next()));
        for (;;) {
          let newest = -1;
          heads.forEach((head, shard) => {
            if (head.done) return;
            const best = heads[newest];
            if (newest < 0 || (best && !best.done && head.value.position > best.value.position)) newest = shard;
          });
          const head = heads[newest];
          if (newest < 0 || !head || head.done) return;
          const page = head.value;
          if (pagesRead >= maxPages) {
            stoppedAt = { shard: page.shard, position: page.position, index: 0 };
            return;
          }
          pagesRead += 1;
          const from = options.start && options.start.shard === page.shard && options.start.position === page.position ? options.start.index : 0;
          for (let index = from; index < page.entries.length; index += 1) {
            yield { entry: page.entries[index] as LogEntry, shard: page.shard, position: page.position, index };
          }
          heads[newest] = await streams[newest]!.next();
        }
      },
    };
  }
}
