// The management API's side of the one table (see table-design.ts): accounts and their
// entitlement, API keys (hash only), endpoint changes, idempotency records, rate-limit windows,
// and the delivery log queries. Delivery-time writes stay in dynamodb-store.ts; the keys, helpers
// and reads both make are in dynamodb-table.ts.
import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Account, Attempt, AttemptOutcome, Delivery, DeliveryStatus, Endpoint } from '../domain/model';
import {
  cancelledConditions,
  type EndpointWithHealth,
  epochSeconds,
  GSI1,
  GSI1PK,
  GSI1SK,
  conditionHeld,
  isConditionFailure,
  isTransactionConflict,
  keys,
  PK,
  SK,
  stripInternalAttributes,
  TableStore,
  TTL,
} from './dynamodb-table';

export type { Account } from '../domain/model';
export type { EndpointWithHealth } from './dynamodb-table';

const BATCH_GET_LIMIT = 100;
const ACCOUNTS_INDEX_KEY = 'ACCOUNTS';

/** Keys of the items only the management side writes. */
export const managementKeys = {
  accountsIndex: () => ACCOUNTS_INDEX_KEY,
  apiKey: (keyHash: string) => ({ [PK]: `APIKEY#${keyHash}`, [SK]: 'APIKEY' }),
  apiKeyPrefix: (keyPrefix: string) => ({ [PK]: `APIKEYPREFIX#${keyPrefix}`, [SK]: 'APIKEYPREFIX' }),
  accountKeys: (accountId: string) => `ACCOUNTKEYS#${accountId}`,
  /** The key is hashed so any client-chosen string makes a valid, bounded partition key. */
  idempotency: (accountId: string, idempotencyKey: string) => ({
    [PK]: `IDEMPOTENCY#${accountId}#${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex')}`,
    [SK]: 'IDEMPOTENCY',
  }),
  rateWindow: (bucket: string, windowStart: number) => ({ [PK]: `RATE#${bucket}#${windowStart}`, [SK]: 'RATE' }),
};

export interface ApiKeyRecord {
  readonly keyPrefix: string;
  readonly accountId: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** A delivery as the log shows it: the dispatcher's record plus what it adds along the way. */
export interface ManagedDelivery extends Delivery {
  /** Created by `POST /v1/endpoints/{id}/test`; has no stored event and is never retried. */
  readonly test?: boolean;
  readonly lastAttemptAt?: string;
  readonly lastStatusCode?: number;
  readonly redeliveredAt?: string;
}

export interface EndpointChanges {
  readonly url?: string;
  readonly events?: readonly string[];
  /** null removes the description. */
  readonly description?: string | null;
  readonly status?: 'active' | 'disabled';
}

export type CreateEndpointResult = 'created' | 'quota_exceeded' | 'webhooks_disabled' | 'account_not_found';
export type CreateApiKeyResult = 'created' | 'account_not_found' | 'key_conflict';

export interface StoredResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'in_progress' }
  | { readonly kind: 'mismatch' };

export type RateLimitResult = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface AttemptPage {
  readonly items: Attempt[];
  /** Present when more items may follow. */
  readonly nextCursor?: string;
}

/** A paging cursor that is malformed or belongs to another log. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor is not valid for this list');
  }
}

/** The API's reads and writes; accounts, endpoints and attempts are read as in TableStore. */
export class ManagementStore extends TableStore {
  // --- accounts ----------------------------------------------------------------------------

  async createAccount(account: Omit<Account, 'endpointCount' | 'updatedAt'>): Promise<Account> {
    const stored: Account = { ...account, endpointCount: 0, updatedAt: account.createdAt };
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.account(account.accountId),
          ...stored,
          [GSI1PK]: ACCOUNTS_INDEX_KEY,
          [GSI1SK]: `${account.createdAt}#${account.accountId}`,
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }),
    );
    return stored;
  }

  /** Oldest first. */
  async listAccounts(): Promise<Account[]> {
    return this.queryAll<Account>({
      TableName: this.tableName,
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1PK },
      ExpressionAttributeValues: { ':pk': ACCOUNTS_INDEX_KEY },
    });
  }

  // --- API keys ----------------------------------------------------------------------------

  /** Stores the hash, claims the visible prefix (so revoke-by-prefix is unambiguous), checks the account exists. */
  async createApiKey(record: { keyHash: string; keyPrefix: string; accountId: string; createdAt: string }): Promise<CreateApiKeyResult> {
    const { keyHash, ...visible } = record;
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...managementKeys.apiKey(keyHash),
                  ...visible,
                  [GSI1PK]: managementKeys.accountKeys(record.accountId),
                  [GSI1SK]: `${record.createdAt}#${record.keyPrefix}`,
                },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...managementKeys.apiKeyPrefix(record.keyPrefix), keyHash, accountId: record.accountId },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: keys.account(record.accountId),
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
          ],
        }),
      );
      return 'created';
    } catch (error) {
      const failed = cancelledConditions(error);
      if (!failed) throw error;
      return failed[2] ? 'account_not_found' : 'key_conflict';
    }
  }

  /** The key record for a hash; revoked keys are returned too, the caller decides. */
  async findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.getItem<ApiKeyRecord>(managementKeys.apiKey(keyHash));
  }

  async listApiKeys(accountId: string): Promise<ApiKeyRecord[]> {
    return this.queryAll<ApiKeyRecord>({
      TableName: this.tableName,
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1PK },
      ExpressionAttributeValues: { ':pk': managementKeys.accountKeys(accountId) },
    });
  }

  /** Marks the key revoked; undefined when no key has this prefix. Revoking twice keeps the first time. */
  async revokeApiKey(keyPrefix: string, at: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: managementKeys.apiKeyPrefix(keyPrefix), ConsistentRead: true }),
    );
    const keyHash = Item?.keyHash;
    if (typeof keyHash !== 'string') return undefined;
    const { Attributes } = await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: managementKeys.apiKey(keyHash),
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':at': at },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return stripInternalAttributes<ApiKeyRecord>(Attributes);
  }

  // --- endpoints ---------------------------------------------------------------------------

  /** Creates the endpoint and counts it against the account's quota in one transaction. */
  async createEndpoint(endpoint: Endpoint): Promise<CreateEndpointResult> {
    try {
      await this.transact({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: keys.account(endpoint.accountId),
              UpdateExpression: 'SET endpointCount = endpointCount + :one, updatedAt = :at',
              ConditionExpression: 'attribute_exists(#pk) AND webhooksEnabled = :true AND endpointCount < maxEndpoints',
              ExpressionAttributeNames: { '#pk': PK },
              ExpressionAttributeValues: { ':one': 1, ':true': true, ':at': endpoint.createdAt },
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.endpoint(endpoint.accountId, endpoint.endpointId), ...endpoint },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': PK },
            },
          },
        ],
      });
      return 'created';
    } catch (error) {
      const failed = cancelledConditions(error);
      if (!failed?.[0]) throw error;
      const account = await this.getAccount(endpoint.accountId);
      if (!account) return 'account_not_found';
      return account.webhooksEnabled ? 'quota_exceeded' : 'webhooks_disabled';
    }
  }

  /** Consistent, so a client lists what it has just created or changed. */
  async listEndpoints(accountId: string): Promise<EndpointWithHealth[]> {
    return this.queryEndpoints(accountId, { consistentRead: true });
  }

  /**
   * Applies the changes to an existing endpoint and returns it; undefined when it does not exist.
   * Becoming active resets the failure counter; becoming disabled keeps an earlier reason.
   */
  async updateEndpoint(accountId: string, endpointId: string, changes: EndpointChanges, at: string): Promise<EndpointWithHealth | undefined> {
    const sets = ['updatedAt = :at'];
    const removes: string[] = [];
    const names: Record<string, string> = { '#pk': PK };
    const values: Record<string, unknown> = { ':at': at };
    if (changes.url !== undefined) {
      sets.push('#url = :url');
      names['#url'] = 'url';
      values[':url'] = changes.url;
    }
    if (changes.events !== undefined) {
      sets.push('events = :events');
      values[':events'] = [...changes.events];
    }
    if (changes.description === null) removes.push('description');
    else if (changes.description !== undefined) {
      sets.push('description = :description');
      values[':description'] = changes.description;
    }
    if (changes.status !== undefined) names['#status'] = 'status';
    if (changes.status === 'active') {
      sets.push('#status = :active', 'consecutiveFailures = :zero');
      removes.push('disabledReason', 'disabledAt');
      Object.assign(values, { ':active': 'active', ':zero': 0 });
    } else if (changes.status === 'disabled') {
      sets.push('#status = :disabled', 'disabledReason = if_not_exists(disabledReason, :reason)', 'disabledAt = if_not_exists(disabledAt, :at)');
      Object.assign(values, { ':disabled': 'disabled', ':reason': 'disabled by the account' });
    }
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(accountId, endpointId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stripInternalAttributes<EndpointWithHealth>(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Replaces the secret, keeping the one being replaced as `previousSecret` until `previousExpiresAt`.
   * Conditional on the secret the caller saw, so two concurrent rotations cannot lose one.
   */
  async rotateSecret(
    accountId: string,
    endpointId: string,
    rotation: { expectedSecret: string; newSecret: string; previousExpiresAt: string; at: string },
  ): Promise<EndpointWithHealth | undefined> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(accountId, endpointId),
          UpdateExpression: 'SET secret = :new, previousSecret = :previous, updatedAt = :at',
          ConditionExpression: 'attribute_exists(#pk) AND secret = :expected',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: {
            ':new': rotation.newSecret,
            ':previous': { secret: rotation.expectedSecret, expiresAt: rotation.previousExpiresAt },
            ':at': rotation.at,
            ':expected': rotation.expectedSecret,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stripInternalAttributes<EndpointWithHealth>(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Deletes the endpoint and frees its quota slot; false when it did not exist. */
  async deleteEndpoint(accountId: string, endpointId: string, at: string): Promise<boolean> {
    try {
      await this.transact({
        TransactItems: [
          {
            Delete: {
              TableName: this.tableName,
              Key: keys.endpoint(accountId, endpointId),
              ConditionExpression: 'attribute_exists(#pk)',
              ExpressionAttributeNames: { '#pk': PK },
            },
          },
          {
            Update: {
              TableName: this.tableName,
              Key: keys.account(accountId),
              UpdateExpression: 'SET endpointCount = endpointCount - :one, updatedAt = :at',
              ConditionExpression: 'attribute_exists(#pk) AND endpointCount > :zero',
              ExpressionAttributeNames: { '#pk': PK },
              ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':at': at },
            },
          },
        ],
      });
      return true;
    } catch (error) {
      const failed = cancelledConditions(error);
      if (!failed) throw error;
      if (failed[0]) return false;
      // The counter was already at zero (an endpoint written outside this store): delete alone.
      return this.deleteEndpointOnly(accountId, endpointId);
    }
  }

  private async deleteEndpointOnly(accountId: string, endpointId: string): Promise<boolean> {
    return conditionHeld(
      this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.endpoint(accountId, endpointId),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      ),
    );
  }

  // --- deliveries and the attempt log --------------------------------------------------------

  /** The delivery if it belongs to the account; another account's delivery reads as absent. */
  async getDelivery(accountId: string, deliveryId: string): Promise<ManagedDelivery | undefined> {
    const delivery = await this.deliveryById<ManagedDelivery>(deliveryId);
    return delivery?.accountId === accountId ? delivery : undefined;
  }

  /** Deliveries by id that belong to the account, in no particular order. */
  async getDeliveries(accountId: string, deliveryIds: readonly string[]): Promise<ManagedDelivery[]> {
    const items = await this.batchGet(deliveryIds.map((id) => keys.delivery(id)));
    return items
      .map((item) => stripInternalAttributes<ManagedDelivery>(item) as ManagedDelivery)
      .filter((delivery) => delivery.accountId === accountId);
  }

  /** The exact body endpoints receive for the event, while it is retained. */
  async getEventBody(accountId: string, eventId: string): Promise<string | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: keys.event(accountId, eventId), ProjectionExpression: 'body' }),
    );
    return typeof Item?.body === 'string' ? Item.body : undefined;
  }

  /** Which of these events are still stored (events expire with the retention period). */
  async existingEventIds(accountId: string, eventIds: readonly string[]): Promise<Set<string>> {
    const items = await this.batchGet(eventIds.map((id) => keys.event(accountId, id)), 'eventId');
    return new Set(items.map((item) => String(item.eventId)));
  }

  /** One page of the endpoint's attempt log, newest first, optionally only one outcome. */
  async listEndpointAttempts(
    accountId: string,
    endpointId: string,
    options: { limit: number; cursor?: string; outcome?: AttemptOutcome },
  ): Promise<AttemptPage> {
    const logKey = keys.endpointLog(accountId, endpointId);
    let startKey = options.cursor === undefined ? undefined : decodeCursor(options.cursor, logKey);
    const items: Record<string, unknown>[] = [];
    // A filter applies after DynamoDB's Limit, so a page may take several reads; the bound keeps
    // one request's cost predictable, and the cursor resumes where it stopped.
    for (let reads = 0; reads < 10; reads += 1) {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI1,
          KeyConditionExpression: '#pk = :pk',
          ...(options.outcome ? { FilterExpression: 'outcome = :outcome' } : {}),
          ExpressionAttributeNames: { '#pk': GSI1PK },
          ExpressionAttributeValues: { ':pk': logKey, ...(options.outcome ? { ':outcome': options.outcome } : {}) },
          ScanIndexForward: false,
          // One more than asked tells whether another page exists.
          Limit: options.limit + 1 - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
      if (items.length > options.limit || !startKey) break;
    }
    const pageItems = items.slice(0, options.limit);
    const last = pageItems[pageItems.length - 1];
    const more = items.length > options.limit || startKey !== undefined;
    let nextCursor: string | undefined;
    if (more) nextCursor = last ? encodeCursor(last) : startKey ? encodeCursor(startKey) : undefined;
    return { items: pageItems.map((item) => stripInternalAttributes<Attempt>(item) as Attempt), ...(nextCursor ? { nextCursor } : {}) };
  }

  /**
   * Ids of the endpoint's deliveries that recover should look at: those with a failed attempt at
   * or after `since` (the attempt log), and those created at or after `since` that ended failed or
   * skipped (the delivery index; a delivery skipped while the endpoint was disabled has no attempt).
   * Reads at most `maxItems` entries of each; the caller checks each delivery's current status.
   */
  async deliveryIdsToRecoverSince(
    accountId: string,
    endpointId: string,
    since: string,
    maxItems: number,
  ): Promise<{ deliveryIds: string[]; truncated: boolean }> {
    const [withFailures, closed] = await Promise.all([
      this.indexedDeliveryIds(
        {
          pk: keys.endpointLog(accountId, endpointId),
          filter: 'outcome = :failed AND attribute_not_exists(test)',
          values: { ':failed': 'failed' },
        },
        since,
        maxItems,
      ),
      this.indexedDeliveryIds(
        {
          pk: keys.endpointDeliveries(accountId, endpointId),
          filter: '#status IN (:failed, :skipped) AND attribute_not_exists(test)',
          names: { '#status': 'status' },
          values: { ':failed': 'failed', ':skipped': 'skipped' },
        },
        since,
        maxItems,
      ),
    ]);
    return {
      deliveryIds: [...new Set([...withFailures.deliveryIds, ...closed.deliveryIds])],
      truncated: withFailures.truncated || closed.truncated,
    };
  }

  /** Distinct deliveryIds of gsi1 entries under `pk` sorted at or after `since` that pass `filter`, newest first. */
  private async indexedDeliveryIds(
    query: { pk: string; filter: string; names?: Record<string, string>; values: Record<string, unknown> },
    since: string,
    maxItems: number,
  ): Promise<{ deliveryIds: string[]; truncated: boolean }> {
    const seen = new Set<string>();
    let read = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI1,
          KeyConditionExpression: '#pk = :pk AND #sk >= :since',
          FilterExpression: query.filter,
          ProjectionExpression: 'deliveryId',
          ExpressionAttributeNames: { '#pk': GSI1PK, '#sk': GSI1SK, ...query.names },
          ExpressionAttributeValues: { ':pk': query.pk, ':since': since, ...query.values },
          ScanIndexForward: false,
          Limit: Math.min(500, maxItems - read),
          ExclusiveStartKey: startKey,
        }),
      );
      read += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) seen.add(String(item.deliveryId));
      startKey = page.LastEvaluatedKey;
    } while (startKey && read < maxItems);
    return { deliveryIds: [...seen], truncated: startKey !== undefined };
  }

  /** Attempts at or after `since` whose retry is still due after `now`: the retries that may be waiting in Scheduler. */
  async pendingRetryAttempts(accountId: string, endpointId: string, since: string, now: string): Promise<Attempt[]> {
    return this.queryAll<Attempt>({
      TableName: this.tableName,
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk AND #sk >= :since',
      FilterExpression: 'nextRetryAt > :now',
      ExpressionAttributeNames: { '#pk': GSI1PK, '#sk': GSI1SK },
      ExpressionAttributeValues: { ':pk': keys.endpointLog(accountId, endpointId), ':since': since, ':now': now },
    });
  }

  /**
   * Reopens a finished delivery as pending for attempt `attempt` (= attemptCount + 1), only if it
   * is still as the caller saw it. The dispatcher then takes it from the retry message.
   */
  async reopenDelivery(
    delivery: Pick<ManagedDelivery, 'deliveryId' | 'status' | 'attemptCount'>,
    at: string,
  ): Promise<boolean> {
    const attempt = delivery.attemptCount + 1;
    return conditionHeld(
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(delivery.deliveryId),
          UpdateExpression:
            'SET #status = :pending, updatedAt = :at, redeliveredAt = :at, retryScheduledFor = :attempt REMOVE reason, nextAttemptAt',
          ConditionExpression: '#status = :seen AND attemptCount = :count AND attribute_not_exists(test)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':at': at,
            ':attempt': attempt,
            ':seen': delivery.status,
            ':count': delivery.attemptCount,
          },
        }),
      ),
    );
  }

  /** Undoes reopenDelivery when the retry message could not be sent, unless the dispatcher already started. */
  async restoreDelivery(
    delivery: Pick<ManagedDelivery, 'deliveryId' | 'status' | 'attemptCount' | 'reason'>,
    at: string,
  ): Promise<boolean> {
    return conditionHeld(
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(delivery.deliveryId),
          UpdateExpression: `SET #status = :status, updatedAt = :at${delivery.reason === undefined ? '' : ', reason = :reason'} REMOVE retryScheduledFor`,
          ConditionExpression:
            '#status = :pending AND attemptCount = :count AND (attribute_not_exists(claimedAttempt) OR claimedAttempt <= :count)',
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

  /** Logs a test send: a finished one-attempt delivery and its attempt, in the endpoint's log. */
  async recordTestSend(attempt: Attempt & { test: true }, now: Date): Promise<ManagedDelivery> {
    const expiresAt = this.expiresAt(now);
    const status: DeliveryStatus = attempt.outcome === 'succeeded' ? 'succeeded' : 'failed';
    const delivery: ManagedDelivery = {
      deliveryId: attempt.deliveryId,
      accountId: attempt.accountId,
      endpointId: attempt.endpointId,
      eventId: attempt.eventId,
      eventType: attempt.eventType,
      status,
      attemptCount: 1,
      ...(status === 'failed' ? { reason: 'test send failed' } : {}),
      test: true,
      lastAttemptAt: attempt.attemptedAt,
      ...(attempt.statusCode === undefined ? {} : { lastStatusCode: attempt.statusCode }),
      createdAt: attempt.attemptedAt,
      updatedAt: now.toISOString(),
    };
    await this.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.delivery(delivery.deliveryId), ...delivery, [TTL]: expiresAt },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': PK },
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: this.attemptItem(attempt, expiresAt),
            },
          },
        ],
      }),
    );
    return delivery;
  }

  // --- idempotency -------------------------------------------------------------------------

  /**
   * Takes the idempotency key for one request. A key already used answers with the first response
   * (same request) or a mismatch (different request); a key whose holder died is taken over once
   * its lock runs out.
   */
  async claimIdempotencyKey(
    accountId: string,
    idempotencyKey: string,
    fingerprint: string,
    options: { now: Date; ttlSeconds: number; lockSeconds: number },
  ): Promise<IdempotencyClaim> {
    const key = managementKeys.idempotency(accountId, idempotencyKey);
    const nowSeconds = epochSeconds(options.now);
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            state: 'in_progress',
            fingerprint,
            lockedUntil: nowSeconds + options.lockSeconds,
            createdAt: options.now.toISOString(),
            [TTL]: nowSeconds + options.ttlSeconds,
          },
          // TTL deletion lags, so an expired record counts as absent.
          ConditionExpression:
            'attribute_not_exists(#pk) OR #ttl <= :now OR (#state = :inProgress AND lockedUntil <= :now AND fingerprint = :fingerprint)',
          ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL, '#state': 'state' },
          ExpressionAttributeValues: { ':now': nowSeconds, ':inProgress': 'in_progress', ':fingerprint': fingerprint },
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    if (!Item) return { kind: 'in_progress' };
    if (Item.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (Item.state === 'complete' && Item.response) return { kind: 'replay', response: Item.response as StoredResponse };
    return { kind: 'in_progress' };
  }

  async completeIdempotencyKey(accountId: string, idempotencyKey: string, fingerprint: string, response: StoredResponse): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: managementKeys.idempotency(accountId, idempotencyKey),
        UpdateExpression: 'SET #state = :complete, #response = :response REMOVE lockedUntil',
        ConditionExpression: 'fingerprint = :fingerprint',
        ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
        ExpressionAttributeValues: { ':complete': 'complete', ':response': response, ':fingerprint': fingerprint },
      }),
    );
  }

  /** Frees the key after a request that changed nothing, so the client may try again with it. */
  async releaseIdempotencyKey(accountId: string, idempotencyKey: string, fingerprint: string): Promise<void> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: managementKeys.idempotency(accountId, idempotencyKey),
          ConditionExpression: 'fingerprint = :fingerprint AND #state = :inProgress',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':fingerprint': fingerprint, ':inProgress': 'in_progress' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  // --- rate limits -------------------------------------------------------------------------

  /** Counts one use in the current fixed window of `bucket`; refuses once `limit` uses are counted. */
  async consumeRateLimit(bucket: string, limit: number, windowSeconds: number, now: Date): Promise<RateLimitResult> {
    const nowSeconds = epochSeconds(now);
    const windowStart = nowSeconds - (nowSeconds % windowSeconds);
    const windowEnd = windowStart + windowSeconds;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: managementKeys.rateWindow(bucket, windowStart),
          UpdateExpression: 'ADD hits :one SET #ttl = :expires',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeNames: { '#ttl': TTL },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expires': windowEnd + windowSeconds },
        }),
      );
      return { allowed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { allowed: false, retryAfterSeconds: Math.max(1, windowEnd - nowSeconds) };
    }
  }

  // --- helpers -----------------------------------------------------------------------------

  /** Runs a transaction, trying again a few times when it only collided with a concurrent one. */
  private async transact(input: TransactWriteCommandInput): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.documents.send(new TransactWriteCommand(input));
        return;
      } catch (error) {
        if (!isTransactionConflict(error) || attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
      }
    }
  }

  private async batchGet(keyList: readonly Record<string, string>[], projection?: string): Promise<Record<string, unknown>[]> {
    const unique = [...new Map(keyList.map((key) => [`${key[PK]}|${key[SK]}`, key])).values()];
    const found: Record<string, unknown>[] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] | undefined = unique.slice(start, start + BATCH_GET_LIMIT);
      for (let round = 0; pending && pending.length > 0; round += 1) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** round)));
        const output: BatchGetCommandOutput = await this.documents.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ConsistentRead: true,
                ...(projection ? { ProjectionExpression: `${projection}, #pk, #sk`, ExpressionAttributeNames: { '#pk': PK, '#sk': SK } } : {}),
              },
            },
          }),
        );
        found.push(...(output.Responses?.[this.tableName] ?? []));
        pending = output.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }
}

// Cursors are the last item's table and index keys, base64url-encoded. They name no other
// account's data: decoding checks the cursor belongs to the log being read.
function encodeCursor(item: Record<string, unknown>): string {
  const position = { [PK]: item[PK], [SK]: item[SK], [GSI1PK]: item[GSI1PK], [GSI1SK]: item[GSI1SK] };
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, expectedLogKey: string): Record<string, string> {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (typeof position !== 'object' || position === null) throw new InvalidCursorError();
  const fields = position as Record<string, unknown>;
  const names = [PK, SK, GSI1PK, GSI1SK];
  if (Object.keys(fields).length !== names.length || !names.every((name) => typeof fields[name] === 'string')) {
    throw new InvalidCursorError();
  }
  if (fields[GSI1PK] !== expectedLogKey) throw new InvalidCursorError();
  return fields as Record<string, string>;
}
