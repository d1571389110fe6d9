// The one table (see table-design.ts) as every store sees it: the document client, what a refused
// write means, retention, and the plain reads all stores make. Keys are built in table-keys.ts.
import {
  type AttributeValue,
  BatchExecuteStatementCommand,
  type BatchExecuteStatementCommandOutput,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { GSI1PK, GSI1SK, PK, SK, TTL } from './table-keys';

/** Bookkeeping attributes that never leave the store: keys, index keys, TTL and the dispatcher's claim. */
const INTERNAL_ATTRIBUTES = new Set<string>([PK, SK, GSI1PK, GSI1SK, TTL, 'claimedAttempt', 'claimExpiresAt']);

const BATCH_GET_LIMIT = 100;
/** BatchExecuteStatement's limit. */
const BATCH_STATEMENT_LIMIT = 25;
/** Rounds of retrying throttled or failed statements of a batch (about 3.5 s of waits in all), as the SDK does for a whole call. */
const BATCH_STATEMENT_ROUNDS = 8;
/** Statement errors worth another round: the same ones the SDK retries for a whole call. */
const RETRYABLE_STATEMENT_ERRORS = new Set(['ProvisionedThroughputExceeded', 'ThrottlingError', 'RequestLimitExceeded', 'InternalServerError', 'TransactionConflict']);

/**
 * The pause before another round of a batch call's leftovers (unprocessed keys, throttled
 * statements): 50, 100, 200 ... ms, at most 1 s.
 */
function waitBeforeRound(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
}

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

/** An item in plain values, as the document client unmarshalls it (util-dynamodb with its default options). */
export function unmarshalItem(attributes: Record<string, AttributeValue>): Record<string, unknown> {
  return unmarshall(attributes);
}

/** One PartiQL INSERT of an item, its values as parameters (names are ours; quotes doubled all the same). */
function insertStatement(table: string, attributes: Record<string, AttributeValue>): { Statement: string; Parameters: AttributeValue[] } {
  const names = Object.keys(attributes);
  const tuple = names.map((name) => `'${name.replaceAll("'", "''")}':?`).join(',');
  return { Statement: `INSERT INTO "${table.replaceAll('"', '""')}" VALUE {${tuple}}`, Parameters: names.map((name) => attributes[name]!) };
}

/** A raw command the table sends through a cached handler (see `send`). */
interface RawCommand<O> {
  readonly input: object;
  resolveMiddleware(stack: DynamoDBClient['middlewareStack'], configuration: DynamoDBClient['config'], options: undefined): RawHandler<O>;
}
type RawHandler<O> = (command: never) => Promise<{ output: O }>;

/** The table and how long what the dispatcher and test sends write is kept. */
export class Table {
  readonly documents: DynamoDBDocumentClient;
  /** Resolved middleware by raw command class (see `send`). */
  private readonly handlers = new Map<unknown, RawHandler<unknown>>();

  constructor(
    private readonly client: DynamoDBClient,
    readonly name: string,
    /** Days that deliveries, log pages and rejected events are kept before DynamoDB's TTL removes them. */
    readonly retentionDays: number,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * A raw command through its middleware resolved once per command class and then reused, as
   * the SDK's `cacheMiddleware` client option does (DynamoDBDocumentClient refuses that option
   * on its client, so the cache is kept here, for the raw commands below). Client.send copies,
   * sorts and resolves the whole middleware stack on every call, twice for a document command
   * (which wraps a raw one); for the calls the dispatcher makes per delivery that was a good part
   * of their cost. Only for raw commands: a document command's handler is bound to its input.
   */
  private async send<O>(command: RawCommand<O>): Promise<O> {
    let handler = this.handlers.get(command.constructor) as RawHandler<O> | undefined;
    if (!handler) {
      handler = command.resolveMiddleware(this.client.middlewareStack, this.client.config, undefined);
      this.handlers.set(command.constructor, handler);
    }
    return (await handler(command as never)).output;
  }

  /**
   * PutItem of a flat item (a batch's log page): the same request the document client's
   * PutCommand makes, marshalled directly (the item has no nested values) and sent through the
   * cached handler.
   */
  async putFlat(item: FlatItem): Promise<void> {
    await this.send(new PutItemCommand({ TableName: this.name, Item: marshalFlat(item) }));
  }

  /**
   * Inserts flat items that must not exist yet, 25 to a request: PartiQL INSERT refuses an item
   * whose key exists (DuplicateItem), so each keeps the condition a PutItem with
   * attribute_not_exists would have, at the same write units, in one call instead of one each.
   * Per item: true when written, false when it existed, or the error that kept it out after
   * retries (a statement of a batch can be throttled on its own).
   */
  async insertFlat(items: readonly FlatItem[]): Promise<Array<boolean | Error>> {
    const chunks: FlatItem[][] = [];
    for (let start = 0; start < items.length; start += BATCH_STATEMENT_LIMIT) chunks.push(items.slice(start, start + BATCH_STATEMENT_LIMIT));
    return (await Promise.all(chunks.map((chunk) => this.insertChunk(chunk)))).flat();
  }

  private async insertChunk(items: readonly FlatItem[]): Promise<Array<boolean | Error>> {
    const statements = items.map((item) => insertStatement(this.name, marshalFlat(item)));
    const results: Array<boolean | Error | undefined> = items.map(() => undefined);
    let pending = items.map((_, index) => index);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > 0) await waitBeforeRound(round);
      const output: BatchExecuteStatementCommandOutput = await this.send(
        new BatchExecuteStatementCommand({ Statements: pending.map((index) => statements[index]!) }),
      );
      const retry: number[] = [];
      pending.forEach((index, position) => {
        const error = output.Responses?.[position]?.Error;
        if (!error) results[index] = true;
        else if (error.Code === 'DuplicateItem' || error.Code === 'ConditionalCheckFailed') results[index] = false;
        else if (RETRYABLE_STATEMENT_ERRORS.has(error.Code ?? '') && round + 1 < BATCH_STATEMENT_ROUNDS) retry.push(index);
        else results[index] = Object.assign(new Error(`INSERT refused: ${error.Code ?? 'unknown'}: ${error.Message ?? ''}`), { name: error.Code ?? 'BatchStatementError' });
      });
      pending = retry;
    }
    return results.map((result) => result ?? new Error('INSERT: no answer'));
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

  /**
   * BatchGetItem of any number of keys (strongly consistent unless asked otherwise), unprocessed
   * keys retried; raw items, in no order. The dispatcher reads every batch's deliveries and
   * endpoints with it, so it goes through the cached handler, unmarshalled as the document
   * client would.
   */
  async batchGet(keyList: readonly Record<string, string>[], options: { consistentRead?: boolean } = {}): Promise<Record<string, unknown>[]> {
    const consistentRead = options.consistentRead ?? true;
    const unique = [...new Map(keyList.map((key) => [`${key[PK]}|${key[SK]}`, key])).values()];
    const found: Record<string, unknown>[] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, AttributeValue>[] | undefined = unique.slice(start, start + BATCH_GET_LIMIT).map(marshalFlat);
      for (let round = 0; pending && pending.length > 0; round += 1) {
        if (round > 0) await waitBeforeRound(round);
        const output: BatchGetItemCommandOutput = await this.send(
          new BatchGetItemCommand({ RequestItems: { [this.name]: { Keys: pending, ...(consistentRead ? { ConsistentRead: true } : {}) } } }),
        );
        for (const item of output.Responses?.[this.name] ?? []) found.push(unmarshalItem(item));
        pending = output.UnprocessedKeys?.[this.name]?.Keys;
      }
    }
    return found;
  }
}
