// The DynamoDB side of delivery: endpoints, events, deliveries and their attempts, in one table
// (see table-design.ts). Every conditional write here is what keeps an event from being sent
// twice to an endpoint that already answered, however often SQS hands it to us.
import { PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Attempt, Delivery, DeliveryStatus, Endpoint, StoredEvent } from '../domain/model';
import {
  GSI1,
  GSI1PK,
  GSI1SK,
  conditionHeld,
  isConditionFailure,
  keys,
  PK,
  SK,
  stripInternalAttributes,
  TableStore,
  TTL,
} from './dynamodb-table';

/** What the write of an attempt changes on its delivery. */
export interface DeliveryOutcome {
  readonly status: DeliveryStatus;
  readonly reason?: string;
  readonly nextAttemptAt?: string;
}

export interface RejectedEvent {
  readonly envelopeId: string;
  readonly reason: string;
  readonly receivedAt: string;
  /** The start of what arrived, for a person to diagnose it. */
  readonly excerpt: string;
}

/** Reads and writes of delivery time; accounts, endpoints and attempts are read as in TableStore. */
export class DynamoDbStore extends TableStore {
  // --- endpoints -------------------------------------------------------------------------

  async createEndpoint(endpoint: Endpoint): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.endpoint(endpoint.accountId, endpoint.endpointId), ...endpoint },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }),
    );
  }

  /** Eventually consistent: read once per event, at half a consistent read's cost (the API's listing is consistent). */
  async listEndpoints(accountId: string): Promise<Endpoint[]> {
    return this.queryEndpoints(accountId, { consistentRead: false });
  }

  /** A success ends a run of failures. A deleted endpoint is left deleted. */
  async recordEndpointSuccess(accountId: string, endpointId: string, at: string): Promise<void> {
    await this.updateIfExists(accountId, endpointId, 'SET consecutiveFailures = :zero, lastSuccessAt = :at', {
      ':zero': 0,
      ':at': at,
    });
  }

  /** Counts one more consecutive failure atomically and returns the new count (0 if the endpoint is gone). */
  async recordEndpointFailure(accountId: string, endpointId: string, at: string): Promise<number> {
    const attributes = await this.updateIfExists(
      accountId,
      endpointId,
      'ADD consecutiveFailures :one SET lastFailureAt = :at',
      { ':one': 1, ':at': at },
    );
    return Number(attributes?.consecutiveFailures ?? 0);
  }

  /** Disables an active endpoint; false when it was already disabled (or deleted), so only one caller announces it. */
  async disableEndpoint(accountId: string, endpointId: string, reason: string, at: string): Promise<boolean> {
    return conditionHeld(
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(accountId, endpointId),
          UpdateExpression: 'SET #status = :disabled, disabledReason = :reason, disabledAt = :at, updatedAt = :at',
          ConditionExpression: 'attribute_exists(#pk) AND #status = :active',
          ExpressionAttributeNames: { '#pk': PK, '#status': 'status' },
          ExpressionAttributeValues: { ':disabled': 'disabled', ':active': 'active', ':reason': reason, ':at': at },
        }),
      ),
    );
  }

  private async updateIfExists(
    accountId: string,
    endpointId: string,
    updateExpression: string,
    values: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(accountId, endpointId),
          UpdateExpression: updateExpression,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Attributes;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  // --- events ----------------------------------------------------------------------------

  /** Stores the event unless it is already there; returns the stored one, so a duplicate keeps the first body. */
  async saveEvent(event: StoredEvent, now: Date): Promise<StoredEvent> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.event(event.accountId, event.eventId), ...event, [TTL]: this.expiresAt(now) },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return event;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.getEvent(event.accountId, event.eventId);
      if (!existing) throw new Error(`event ${event.eventId} vanished between write and read`);
      return existing;
    }
  }

  async getEvent(accountId: string, eventId: string): Promise<StoredEvent | undefined> {
    return this.getItem<StoredEvent>(keys.event(accountId, eventId), { consistentRead: true });
  }

  async saveRejectedEvent(rejected: RejectedEvent, now: Date): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PK]: `REJECTED#${rejected.receivedAt.slice(0, 10)}`,
          [SK]: `${rejected.receivedAt}#${rejected.envelopeId}`,
          ...rejected,
          [TTL]: this.expiresAt(now),
        },
      }),
    );
  }

  async listRejectedEvents(day: string): Promise<RejectedEvent[]> {
    return this.queryAll<RejectedEvent>({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': `REJECTED#${day}` },
    });
  }

  // --- deliveries and attempts -----------------------------------------------------------

  /**
   * Creates the delivery, already claiming `claimAttempt` for this caller (so the first send
   * needs no second write), unless it exists; then returns the existing one instead.
   */
  async createDelivery(
    delivery: Delivery,
    now: Date,
    claim?: { attempt: number; leaseUntil: Date },
  ): Promise<{ created: true } | { created: false; existing: Delivery }> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.delivery(delivery.deliveryId),
            ...delivery,
            ...(claim ? { claimedAttempt: claim.attempt, claimExpiresAt: claim.leaseUntil.getTime() } : {}),
            // The endpoint's deliveries by creation time: recover finds skipped ones here, which
            // have no attempt in the log (ManagementStore.deliveryIdsToRecoverSince reads it).
            [GSI1PK]: keys.endpointDeliveries(delivery.accountId, delivery.endpointId),
            [GSI1SK]: `${delivery.createdAt}#${delivery.deliveryId}`,
            [TTL]: this.expiresAt(now),
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.getDelivery(delivery.deliveryId);
      if (!existing) throw new Error(`delivery ${delivery.deliveryId} vanished between write and read`);
      return { created: false, existing };
    }
  }

  async getDelivery(deliveryId: string): Promise<Delivery | undefined> {
    return this.deliveryById<Delivery>(deliveryId);
  }

  /**
   * Takes the right to make attempt `attempt` of a pending delivery. Only one caller wins; a
   * claim whose holder died (its lease ran out) can be taken over, so a crash never strands it.
   */
  async claimAttempt(deliveryId: string, attempt: number, now: Date, leaseUntil: Date): Promise<boolean> {
    return conditionHeld(
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(deliveryId),
          UpdateExpression: 'SET claimedAttempt = :attempt, claimExpiresAt = :lease',
          ConditionExpression:
            '#status = :pending AND attemptCount = :previous AND ' +
            '(attribute_not_exists(claimedAttempt) OR claimedAttempt < :attempt OR claimExpiresAt < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':previous': attempt - 1,
            ':attempt': attempt,
            ':lease': leaseUntil.getTime(),
            ':now': now.getTime(),
          },
        }),
      ),
    );
  }

  /**
   * Writes the attempt and advances its delivery in one transaction, only if this caller still
   * holds the claim for that attempt. Returns false when someone else recorded it first.
   */
  async recordAttempt(attempt: Attempt, outcome: DeliveryOutcome, now: Date): Promise<boolean> {
    const expiresAt = this.expiresAt(now);
    const values: Record<string, unknown> = {
      ':status': outcome.status,
      ':count': attempt.attempt,
      ':previous': attempt.attempt - 1,
      ':attempt': attempt.attempt,
      ':at': attempt.attemptedAt,
      ':pending': 'pending',
    };
    const sets = ['#status = :status', 'attemptCount = :count', 'updatedAt = :at', 'lastAttemptAt = :at'];
    const removes: string[] = [];
    for (const field of ['reason', 'nextAttemptAt'] as const) {
      if (outcome[field] === undefined) removes.push(field);
      else {
        sets.push(`${field} = :${field}`);
        values[`:${field}`] = outcome[field];
      }
    }
    if (attempt.statusCode !== undefined) {
      sets.push('lastStatusCode = :code');
      values[':code'] = attempt.statusCode;
    }
    return conditionHeld(
      this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: this.attemptItem(attempt, expiresAt),
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keys.delivery(attempt.deliveryId),
                UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
                ConditionExpression: '#status = :pending AND attemptCount = :previous AND claimedAttempt = :attempt',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: values,
              },
            },
          ],
        }),
      ),
    );
  }

  /** Notes that the retry message for `attempt` is with SQS or Scheduler, so a redelivery does not hand it over twice. */
  async markRetryScheduled(deliveryId: string, attempt: number): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.delivery(deliveryId),
        UpdateExpression: 'SET retryScheduledFor = :attempt',
        ExpressionAttributeValues: { ':attempt': attempt },
      }),
    );
  }

  /** Ends a pending delivery without an attempt (endpoint disabled or deleted, event expired). */
  async closeDelivery(deliveryId: string, status: 'skipped' | 'failed', reason: string, at: string): Promise<boolean> {
    return conditionHeld(
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(deliveryId),
          UpdateExpression: 'SET #status = :status, reason = :reason, updatedAt = :at REMOVE nextAttemptAt',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':reason': reason, ':at': at, ':pending': 'pending' },
        }),
      ),
    );
  }

  /** The endpoint's attempt log, newest first. */
  async listEndpointAttempts(accountId: string, endpointId: string, limit = 50): Promise<Attempt[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: GSI1,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': GSI1PK },
        ExpressionAttributeValues: { ':pk': keys.endpointLog(accountId, endpointId) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => stripInternalAttributes<Attempt>(item) as Attempt);
  }
}
