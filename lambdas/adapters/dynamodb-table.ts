// The one table (see table-design.ts) as both stores see it: item keys, the document client, what
// a refused write means, and the reads the dispatcher (DynamoDbStore) and the management API
// (ManagementStore) both make. Each store extends TableStore with the writes only it makes.
//
// TableStore uses GetItem and Query alone: each function's IAM grant lists exactly the operations
// its store makes, so an operation only one side needs belongs in that side's store.
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Account, Attempt, Delivery, Endpoint } from '../domain/model';
import { TABLE_KEYS } from './table-design';

export const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE_KEYS;
export const { indexName: GSI1, partitionKey: GSI1PK, sortKey: GSI1SK } = TABLE_KEYS.gsi1;

/** Bookkeeping attributes that never leave the store: keys, index keys, TTL and the dispatcher's claim. */
const INTERNAL_ATTRIBUTES = new Set<string>([PK, SK, GSI1PK, GSI1SK, TTL, 'claimedAttempt', 'claimExpiresAt']);

/** Zero-padded so attempt 10 sorts after attempt 9 in sort keys. */
const attemptNumber = (attempt: number) => String(attempt).padStart(6, '0');

/** Keys of the items both sides read or write; management-store.ts has those only it writes. */
export const keys = {
  account: (accountId: string) => ({ [PK]: `ACCOUNT#${accountId}`, [SK]: 'ACCOUNT' }),
  endpoint: (accountId: string, endpointId: string) => ({ [PK]: `ACCOUNT#${accountId}`, [SK]: `ENDPOINT#${endpointId}` }),
  event: (accountId: string, eventId: string) => ({ [PK]: `EVENT#${accountId}#${eventId}`, [SK]: 'EVENT' }),
  delivery: (deliveryId: string) => ({ [PK]: `DELIVERY#${deliveryId}`, [SK]: 'DELIVERY' }),
  attempt: (deliveryId: string, attempt: number) => ({
    [PK]: `DELIVERY#${deliveryId}`,
    [SK]: `ATTEMPT#${attemptNumber(attempt)}`,
  }),
  endpointLog: (accountId: string, endpointId: string) => `ENDPOINT#${accountId}#${endpointId}`,
  /** gsi1pk of an endpoint's deliveries by creation time (recovery finds skipped and failed ones). */
  endpointDeliveries: (accountId: string, endpointId: string) => `ENDPOINTDELIVERIES#${accountId}#${endpointId}`,
};

/** An endpoint as stored: the API's fields plus the health the dispatcher records on it. */
export type EndpointWithHealth = Endpoint & { readonly lastSuccessAt?: string; readonly lastFailureAt?: string };

/** TTL attributes are epoch seconds. */
export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export function stripInternalAttributes<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  return Object.fromEntries(Object.entries(item).filter(([name]) => !INTERNAL_ATTRIBUTES.has(name))) as T;
}

/** Which items of a cancelled transaction failed their condition (by index), or undefined for other faults. */
export function cancelledConditions(error: unknown): boolean[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  if (!reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) return undefined;
  return reasons.map((reason) => reason.Code === 'ConditionalCheckFailed');
}

/** A write, or a transaction, refused because a condition did not hold (someone else got there first). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || cancelledConditions(error) !== undefined;
}

/** Awaits a conditional write: true when it was made, false when its condition did not hold. */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** A transaction cancelled only because another one touched the same item (e.g. the account counter). */
export function isTransactionConflict(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
  return codes.includes('TransactionConflict') && codes.every((code) => code === 'TransactionConflict' || code === 'None');
}

export abstract class TableStore {
  protected readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    protected readonly tableName: string,
    /** Days that events, deliveries and attempts (test sends' too) are kept before DynamoDB's TTL removes them. */
    protected readonly retentionDays: number,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  protected expiresAt(now: Date): number {
    return epochSeconds(now) + this.retentionDays * 86_400;
  }

  async getAccount(accountId: string): Promise<Account | undefined> {
    return this.getItem<Account>(keys.account(accountId));
  }

  async getEndpoint(accountId: string, endpointId: string): Promise<EndpointWithHealth | undefined> {
    return this.getItem<EndpointWithHealth>(keys.endpoint(accountId, endpointId), { consistentRead: true });
  }

  /** All attempts of one delivery, oldest first. */
  async listAttempts(deliveryId: string): Promise<Attempt[]> {
    return this.queryAll<Attempt>({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': `DELIVERY#${deliveryId}`, ':prefix': 'ATTEMPT#' },
      ConsistentRead: true,
    });
  }

  /** The account's endpoints; each store says how fresh its listing must be. */
  protected async queryEndpoints(accountId: string, options: { consistentRead: boolean }): Promise<EndpointWithHealth[]> {
    return this.queryAll<EndpointWithHealth>({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': `ACCOUNT#${accountId}`, ':prefix': 'ENDPOINT#' },
      ...(options.consistentRead ? { ConsistentRead: true } : {}),
    });
  }

  /** The delivery whoever it belongs to; the API's getDelivery checks the account. */
  protected async deliveryById<T extends Delivery>(deliveryId: string): Promise<T | undefined> {
    return this.getItem<T>(keys.delivery(deliveryId), { consistentRead: true });
  }

  /** An attempt as stored: its own key, and its place in the endpoint's log (gsi1, by attempt time). */
  protected attemptItem(attempt: Attempt, expiresAt: number): Record<string, unknown> {
    return {
      ...keys.attempt(attempt.deliveryId, attempt.attempt),
      ...attempt,
      [GSI1PK]: keys.endpointLog(attempt.accountId, attempt.endpointId),
      [GSI1SK]: `${attempt.attemptedAt}#${attempt.deliveryId}#${attemptNumber(attempt.attempt)}`,
      [TTL]: expiresAt,
    };
  }

  protected async getItem<T>(key: Record<string, string>, options: { consistentRead?: boolean } = {}): Promise<T | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: key, ...(options.consistentRead ? { ConsistentRead: true } : {}) }),
    );
    return stripInternalAttributes<T>(Item);
  }

  /** Every page of the query, internal attributes stripped. */
  protected async queryAll<T>(input: QueryCommandInput): Promise<T[]> {
    const results: T[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(new QueryCommand({ ...input, ExclusiveStartKey }));
      for (const item of page.Items ?? []) results.push(stripInternalAttributes<T>(item) as T);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return results;
  }
}
