// The one table (see table-design.ts) as every store sees it: the document client, what a refused
// write means, retention, and the plain reads all stores make. Keys are built in table-keys.ts.
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
  type PutItemCommandOutput,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { GSI1PK, GSI1SK, PK, SK, TTL } from './table-keys';

/** Bookkeeping attributes that never leave the store: keys, index keys, TTL and the dispatcher's claim. */
const INTERNAL_ATTRIBUTES = new Set<string>([PK, SK, GSI1PK, GSI1SK, TTL, 'claimedAttempt', 'claimExpiresAt']);

const BATCH_GET_LIMIT = 100;

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

/** What `putFlat` writes: an item of top-level strings, numbers, booleans and binary (undefined: left out). */
export type FlatItem = Readonly<Record<string, string | number | boolean | Uint8Array | undefined>>;

/** A flat item in DynamoDB's wire format, as the document client would marshal it (undefined values removed). */
export function marshalFlat(item: FlatItem): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const name in item) {
    const value = item[name];
    if (value === undefined) continue;
    if (typeof value === 'string') attributes[name] = { S: value };
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Error(`marshalFlat: ${name} is ${value}, not a number DynamoDB stores`);
      attributes[name] = { N: String(value) };
    } else if (typeof value === 'boolean') attributes[name] = { BOOL: value };
    else if (value instanceof Uint8Array) attributes[name] = { B: value };
    else throw new Error(`marshalFlat: ${name} is not a string, number, boolean or binary`);
  }
  return attributes;
}

type Send<I, O> = (command: { input: I }) => Promise<{ output: O }>;

/** The table and how long what the dispatcher and test sends write is kept. */
export class Table {
  readonly documents: DynamoDBDocumentClient;
  /** The resolved middleware of PutItem, built at the first putFlat (see there). */
  private putHandler: Send<PutItemCommandInput, PutItemCommandOutput> | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    readonly name: string,
    /** Days that deliveries, log pages and rejected events are kept before DynamoDB's TTL removes them. */
    readonly retentionDays: number,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * PutItem of a flat item: the write the dispatcher makes once per delivery, so its per-call
   * cost counts. The same request the document client's PutCommand makes, with two costs
   * fewer: the item is marshalled directly (it has no nested values), and the SDK's middleware
   * stack is resolved once and reused instead of being copied, sorted and resolved on every call
   * (what the SDK's `cacheMiddleware` client option does; DynamoDBDocumentClient refuses that
   * option on its client, so the handler is kept here, for this one raw command).
   */
  async putFlat(item: FlatItem, condition?: { expression: string; names: Record<string, string> }): Promise<void> {
    const command = new PutItemCommand({
      TableName: this.name,
      Item: marshalFlat(item),
      ...(condition ? { ConditionExpression: condition.expression, ExpressionAttributeNames: condition.names } : {}),
    });
    this.putHandler ??= command.resolveMiddleware(this.client.middlewareStack, this.client.config, undefined) as Send<PutItemCommandInput, PutItemCommandOutput>;
    await this.putHandler(command);
  }

  /** The TTL of an item written now. */
  expiresAt(now: Date = new Date()): number {
    return epochSeconds(now) + this.retentionDays * 86_400;
  }

  async get<T>(key: Record<string, string>, options: { consistentRead?: boolean } = {}): Promise<T | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.name, Key: key, ...(options.consistentRead ? { ConsistentRead: true } : {}) }),
    );
    return stripInternalAttributes<T>(Item);
  }

  /** Every page of the query, internal attributes stripped. */
  async queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
    const results: T[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey }));
      for (const item of page.Items ?? []) results.push(stripInternalAttributes<T>(item) as T);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return results;
  }

  /** BatchGetItem of any number of keys (strongly consistent unless asked otherwise), unprocessed keys retried; raw items, in no order. */
  async batchGet(keyList: readonly Record<string, string>[], options: { consistentRead?: boolean } = {}): Promise<Record<string, unknown>[]> {
    const consistentRead = options.consistentRead ?? true;
    const unique = [...new Map(keyList.map((key) => [`${key[PK]}|${key[SK]}`, key])).values()];
    const found: Record<string, unknown>[] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] | undefined = unique.slice(start, start + BATCH_GET_LIMIT);
      for (let round = 0; pending && pending.length > 0; round += 1) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
        const output: BatchGetCommandOutput = await this.documents.send(
          new BatchGetCommand({ RequestItems: { [this.name]: { Keys: pending, ...(consistentRead ? { ConsistentRead: true } : {}) } } }),
        );
        found.push(...(output.Responses?.[this.name] ?? []));
        pending = output.UnprocessedKeys?.[this.name]?.Keys;
      }
    }
    return found;
  }
}
