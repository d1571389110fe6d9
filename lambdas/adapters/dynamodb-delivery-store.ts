// DeliveryStore on DynamoDB (see table-design.ts). A clean first attempt costs one write: the
// delivery, after its send, inserted with the batch's other new deliveries in one request. The
// batch's log page is one more write shared by the whole batch, and the endpoint item is written
// only when its health changes. Endpoint items hold their secrets sealed (endpoint-items.ts);
// opening them costs KMS one Decrypt per data key and instance (secret-box.ts), not per batch.
import { randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { encodeFilteredCounts, FILTERED_ATTRIBUTE } from '../counts/filtered-counts';
import type { BatchRead, Claim, DeliveryStore, LogEntry, RejectedEvent } from '../delivery/delivery-store';
import { endpointKey } from '../delivery/delivery-store';
import type { EndpointHealthUpdate } from '../domain/endpoint-health';
import type { Account, Delivery, DeliveryStatus, Endpoint } from '../domain/model';
import { reservedSlots, slotSpacingMs } from '../domain/rate-limit';
import { deliveryFromItem, deliveryItem, encodeLogEntries } from './delivery-items';
import { conditionHeld, isConditionFailure, stripInternalAttributes, type Table } from './dynamodb-table';
import { openEndpoint } from './endpoint-items';
import type { SecretSealer } from './secret-box';
import { GSI1, GSI1PK, keys, LOG_SHARDS, PK, TTL } from './table-keys';

/**
 * Writes one page of the account's delivery log. It goes to a random shard, so one busy account's
 * log is spread over LOG_SHARDS partitions; its sort key is the time, made unique by a random tail.
 * `filtered` (events each endpoint's filter left out, by endpoint id) rides on the page as one short
 * text attribute, only when some count is above 0: the counts aggregator reads it off the page's
 * stream insert, and its time is the sort key's. A page may then have no lines (`entries` left out);
 * one with neither is not written.
 */
export async function putLogPage(table: Table, accountId: string, entries: readonly LogEntry[], at: Date, filtered?: ReadonlyMap<string, number>): Promise<void> {
  const lines = encodeLogEntries(entries);
  const counts = encodeFilteredCounts(filtered);
  if (lines === '' && counts === '') return;
  const random = randomBytes(6);
  const position = `${at.toISOString()}#${random.toString('hex')}`;
  await table.putFlat({
    ...keys.logPage(accountId, random[0]! % LOG_SHARDS, position),
    entries: lines === '' ? undefined : lines,
    [FILTERED_ATTRIBUTE]: counts === '' ? undefined : counts,
    [TTL]: table.expiresAt(at),
  });
}

/**
 * Attempt :attempt of a pending delivery at attempt :previous that nobody holds: never claimed,
 * claimed only for an earlier attempt, or claimed by a dispatcher whose lease ran out before :now.
 */
const ATTEMPT_UNCLAIMED =
  '#status = :pending AND attemptCount = :previous AND ' +
  '(attribute_not_exists(claimedAttempt) OR claimedAttempt < :attempt OR claimExpiresAt < :now)';

/** ATTEMPT_UNCLAIMED with its names and values, for attempt `attempt` at `now`. */
function attemptUnclaimed(attempt: number, now: Date) {
  return {
    ConditionExpression: ATTEMPT_UNCLAIMED,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pending': 'pending', ':previous': attempt - 1, ':attempt': attempt, ':now': now.getTime() },
  };
}

/** A schedule item outlives its endpoint's last reservation by a day, then DynamoDB removes it. */
const SEND_SCHEDULE_TTL_SECONDS = 86_400;
/** Extend-or-restart rounds before giving up (each round loses only to another dispatcher's write). */
const RESERVE_ROUNDS = 3;

export class DynamoDbDeliveryStore implements DeliveryStore {
  /** This instance's last sight of each rate-limited endpoint's schedule (next free slot, epoch ms). */
  private readonly scheduleSeen = new Map<string, number>();

  constructor(
    private readonly table: Table,
    private readonly sealer: SecretSealer,
  ) {}

  async getAccount(accountId: string): Promise<Account | undefined> {
    return this.table.get<Account>(keys.account(accountId));
  }

  async listEndpoints(accountId: string): Promise<Endpoint[]> {
    const items = await this.table.queryAll<Endpoint>({
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1PK },
      ExpressionAttributeValues: { ':pk': keys.accountEndpoints(accountId) },
    });
    return Promise.all(items.map((item) => openEndpoint(item, this.sealer)));
  }

  /**
   * Up to three BatchGetItems at once: new events' deliveries eventually consistent (half the cost;
   * a delivery is visible to it well within a second of its write), retries' deliveries and the
   * endpoints strongly consistent.
   */
  async readBatch(request: BatchRead) {
    const [newDeliveryItems, deliveryItems, endpointItems] = await Promise.all([
      this.table.batchGet(request.newDeliveryIds.map((id) => keys.delivery(id)), { consistentRead: false }),
      this.table.batchGet(request.deliveryIds.map((id) => keys.delivery(id))),
      this.table.batchGet(request.endpoints.map(({ accountId, endpointId }) => keys.endpoint(accountId, endpointId))),
    ]);
    const result = { deliveries: new Map<string, Delivery>(), endpoints: new Map<string, Endpoint>() };
    for (const item of [...newDeliveryItems, ...deliveryItems]) {
      const delivery = deliveryFromItem(item);
      result.deliveries.set(delivery.deliveryId, delivery);
    }
    const endpoints = await Promise.all(endpointItems.map((item) => openEndpoint(stripInternalAttributes<Endpoint>(item) as Endpoint, this.sealer)));
    for (const endpoint of endpoints) result.endpoints.set(endpointKey(endpoint.accountId, endpoint.endpointId), endpoint);
    return result;
  }

  async appendLog(accountId: string, entries: readonly LogEntry[], at: Date, filtered?: ReadonlyMap<string, number>): Promise<void> {
    await putLogPage(this.table, accountId, entries, at, filtered);
  }

  async createDeliveries(deliveries: readonly Delivery[]): Promise<Array<boolean | Error>> {
    const expiresAt = this.table.expiresAt();
    return this.table.insertFlat(deliveries.map((delivery) => deliveryItem(delivery, expiresAt, { claimedAttempt: delivery.attemptCount })));
  }

  async claimAttempt(deliveryId: string, claim: Claim, now: Date): Promise<boolean> {
    const unclaimed = attemptUnclaimed(claim.attempt, now);
    return conditionHeld(
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.delivery(deliveryId),
          UpdateExpression: 'SET claimedAttempt = :attempt, claimExpiresAt = :lease',
          ...unclaimed,
          ExpressionAttributeValues: { ...unclaimed.ExpressionAttributeValues, ':lease': claim.leaseUntil.getTime() },
        }),
      ),
    );
  }

  async recordAttempt(next: Delivery): Promise<boolean> {
    return conditionHeld(
      this.table.documents.send(
        new PutCommand({
          TableName: this.table.name,
          Item: deliveryItem(next, this.table.expiresAt(), { claimedAttempt: next.attemptCount }),
          ConditionExpression: '#status = :pending AND attemptCount = :previous AND claimedAttempt = :attempt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':previous': next.attemptCount - 1, ':attempt': next.attemptCount },
        }),
      ),
    );
  }

  async recordRefusal(next: Delivery, now: Date): Promise<boolean> {
    return conditionHeld(
      this.table.documents.send(
        new PutCommand({
          TableName: this.table.name,
          Item: deliveryItem(next, this.table.expiresAt(), { claimedAttempt: next.attemptCount }),
          // The claim's own condition: a live claim means another dispatcher may be sending this attempt.
          ...attemptUnclaimed(next.attemptCount, now),
        }),
      ),
    );
  }

  async closeDelivery(deliveryId: string, status: Extract<DeliveryStatus, 'skipped' | 'failed'>, reason: string, at: string): Promise<boolean> {
    return conditionHeld(
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.delivery(deliveryId),
          UpdateExpression: 'SET #status = :status, reason = :reason, updatedAt = :at REMOVE nextAttemptAt',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':reason': reason, ':at': at, ':pending': 'pending' },
        }),
      ),
    );
  }

  async updateEndpointHealth(accountId: string, endpointId: string, update: EndpointHealthUpdate): Promise<number> {
    const sets: string[] = [];
    const adds: string[] = [];
    const values: Record<string, unknown> = {};
    if (update.succeededAt !== undefined) {
      // A success ends the run; failures that came after it in the same batch start the next one.
      sets.push('consecutiveFailures = :failures', 'lastSuccessAt = :succeededAt');
      Object.assign(values, { ':failures': update.failedDeliveries ?? 0, ':succeededAt': update.succeededAt });
    } else if (update.failedDeliveries !== undefined) {
      adds.push('consecutiveFailures :failures');
      values[':failures'] = update.failedDeliveries;
    }
    if (update.failedAt !== undefined) {
      sets.push('lastFailureAt = :failedAt');
      values[':failedAt'] = update.failedAt;
    }
    if (update.circuitOpenUntil !== undefined) {
      sets.push('circuitOpenUntil = :openUntil');
      values[':openUntil'] = update.circuitOpenUntil;
    }
    if (update.slowUntil !== undefined) {
      sets.push('slowUntil = :slowUntil');
      values[':slowUntil'] = update.slowUntil;
    }
    if (update.provenAt !== undefined) {
      sets.push('provenAt = if_not_exists(provenAt, :provenAt)');
      values[':provenAt'] = update.provenAt;
    }
    const removes = update.closeCircuit && update.circuitOpenUntil === undefined ? ['circuitOpenUntil'] : [];
    if (sets.length === 0 && adds.length === 0 && removes.length === 0) throw new Error('updateEndpointHealth: nothing to update');
    const expression = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      adds.length ? `ADD ${adds.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ]
      .join(' ')
      .trim();
    try {
      const { Attributes } = await this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.endpoint(accountId, endpointId),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Number(Attributes?.consecutiveFailures ?? 0);
    } catch (error) {
      if (isConditionFailure(error)) return 0;
      throw error;
    }
  }

  /**
   * One conditional write on the endpoint's schedule item: extend it (ADD) while it runs ahead of
   * now, or restart it at now once it lags (the endpoint was quiet). Which one to try first is this
   * instance's last sight of the schedule; a wrong guess costs the other write too.
   */
  async reserveSendSlots(endpoint: Endpoint & { readonly rateLimit: number }, count: number, now: Date): Promise<number[]> {
    const key = keys.sendSchedule(endpoint.accountId, endpoint.endpointId);
    const scheduleId = endpointKey(endpoint.accountId, endpoint.endpointId);
    const span = count * slotSpacingMs(endpoint.rateLimit);
    const at = now.getTime();
    const values = { ':now': at, ':ttl': Math.floor(at / 1000) + SEND_SCHEDULE_TTL_SECONDS };
    const extend = async (): Promise<number | undefined> => {
      try {
        const { Attributes } = await this.table.documents.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: key,
            UpdateExpression: 'ADD nextSlotAt :span SET #ttl = :ttl',
            ConditionExpression: 'nextSlotAt >= :now',
            ExpressionAttributeNames: { '#ttl': TTL },
            ExpressionAttributeValues: { ...values, ':span': span },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return Number(Attributes?.nextSlotAt);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    };
    const restart = async (): Promise<number | undefined> => {
      const next = at + span;
      const held = await conditionHeld(
        this.table.documents.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: key,
            UpdateExpression: 'SET nextSlotAt = :next, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(nextSlotAt) OR nextSlotAt < :now',
            ExpressionAttributeNames: { '#ttl': TTL },
            ExpressionAttributeValues: { ...values, ':next': next },
          }),
        ),
      );
      return held ? next : undefined;
    };
    const seenAhead = (this.scheduleSeen.get(scheduleId) ?? 0) >= at;
    for (let round = 0; round < RESERVE_ROUNDS; round += 1) {
      const next = (seenAhead ? await extend() : await restart()) ?? (seenAhead ? await restart() : await extend());
      if (next !== undefined) {
        this.scheduleSeen.set(scheduleId, next);
        return reservedSlots(next, count, endpoint.rateLimit);
      }
    }
    throw new Error(`could not reserve send slots for ${scheduleId}: its schedule kept moving`);
  }

  async claimPilot(accountId: string, endpointId: string, holder: string, until: Date, now: Date): Promise<boolean> {
    return conditionHeld(
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.pilot(accountId, endpointId),
          UpdateExpression: 'SET holder = :holder, #until = :until, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#until) OR #until < :now',
          ExpressionAttributeNames: { '#until': 'until', '#ttl': TTL },
          ExpressionAttributeValues: { ':holder': holder, ':until': until.getTime(), ':now': now.getTime(), ':ttl': Math.floor(until.getTime() / 1000) + 86_400 },
        }),
      ),
    );
  }

  async releasePilot(accountId: string, endpointId: string, holder: string): Promise<void> {
    await conditionHeld(
      this.table.documents.send(
        new DeleteCommand({ TableName: this.table.name, Key: keys.pilot(accountId, endpointId), ConditionExpression: 'holder = :holder', ExpressionAttributeValues: { ':holder': holder } }),
      ),
    );
  }

  async claimProbe(accountId: string, endpointId: string, seenOpenUntil: string, holdUntil: string): Promise<boolean> {
    return conditionHeld(
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.endpoint(accountId, endpointId),
          UpdateExpression: 'SET circuitOpenUntil = :hold',
          ConditionExpression: 'circuitOpenUntil = :seen',
          ExpressionAttributeValues: { ':hold': holdUntil, ':seen': seenOpenUntil },
        }),
      ),
    );
  }

  async disableEndpoint(accountId: string, endpointId: string, reason: string, at: string): Promise<boolean> {
    return conditionHeld(
      this.table.documents.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.endpoint(accountId, endpointId),
          UpdateExpression: 'SET #status = :disabled, disabledReason = :reason, disabledAt = :at, updatedAt = :at',
          ConditionExpression: 'attribute_exists(#pk) AND #status = :active',
          ExpressionAttributeNames: { '#pk': PK, '#status': 'status' },
          ExpressionAttributeValues: { ':disabled': 'disabled', ':active': 'active', ':reason': reason, ':at': at },
        }),
      ),
    );
  }

  async saveRejectedEvent(rejected: RejectedEvent): Promise<void> {
    await this.table.documents.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.rejected(rejected.receivedAt, rejected.envelopeId), ...rejected, [TTL]: this.table.expiresAt() },
      }),
    );
  }
}
