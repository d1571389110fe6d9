// A small in-memory DynamoDB at the API level (wire-format requests in, wire-format answers out)
// for one table shaped by a CreateTable input: GetItem, BatchGetItem, PutItem, UpdateItem,
// DeleteItem, Query (table or GSI), BatchWriteItem, TransactWriteItems, TransactGetItems.
// Conditions are evaluated and updates applied (expressions.ts). Every request books the read and
// write units DynamoDB would bill (item-size.ts), each to the partition key it lands on: the
// table's partition key, and for a GSI the index partition key of the index entry written. Every
// write that changes an item is also kept as a stream record (new and old images), as the
// table's DynamoDB stream holds it, for the counts aggregator's share of the bench.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  applyUpdate,
  compareValues,
  conditionHolds,
  conditionMatches,
  equalityValue,
  type ExpressionContext,
  parseCondition,
} from './expressions';
import { type AttributeValue, type Item, itemSize, readUnits, writeUnits } from './item-size';

export interface TableShape {
  readonly tableName: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly IndexShape[];
}

export interface IndexShape {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly nonKeyAttributes: readonly string[];
}

/** From a CreateTable input (what test tables and the synthesized template's tables are). */
export function tableShapeOf(input: CreateTableCommandInput, tableName = input.TableName ?? 'table'): TableShape {
  const keyOf = (schema: CreateTableCommandInput['KeySchema'], type: 'HASH' | 'RANGE') => schema?.find((key) => key.KeyType === type)?.AttributeName;
  const partitionKey = keyOf(input.KeySchema, 'HASH');
  if (!partitionKey) throw new Error('table shape: no partition key');
  return {
    tableName,
    partitionKey,
    ...(keyOf(input.KeySchema, 'RANGE') ? { sortKey: keyOf(input.KeySchema, 'RANGE')! } : {}),
    indexes: (input.GlobalSecondaryIndexes ?? []).map((index) => ({
      indexName: index.IndexName!,
      partitionKey: keyOf(index.KeySchema, 'HASH')!,
      ...(keyOf(index.KeySchema, 'RANGE') ? { sortKey: keyOf(index.KeySchema, 'RANGE')! } : {}),
      projection: (index.Projection?.ProjectionType ?? 'ALL') as IndexShape['projection'],
      nonKeyAttributes: index.Projection?.NonKeyAttributes ?? [],
    })),
  };
}

/** One booking: `units` of reads or writes on one partition key of the table or of an index. */
export interface CapacityEntry {
  readonly operation: string;
  readonly kind: 'read' | 'write';
  readonly units: number;
  /** `table` or the index name. */
  readonly target: string;
  readonly partitionKey: string;
}

/** One change of an item, as a DynamoDB stream with NEW_AND_OLD_IMAGES records it (GetRecords' shape). */
export interface StubStreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: Item;
    readonly NewImage?: Item;
    readonly OldImage?: Item;
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: 'NEW_AND_OLD_IMAGES';
  };
}

export class DynamoDbError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const scalar = (value: AttributeValue | undefined): string | undefined => value?.S ?? value?.N ?? value?.B;

interface WritePlan {
  readonly key: string;
  readonly partition: string;
  readonly before: Item | undefined;
  readonly after: Item | undefined;
}

export class DynamoDbStub {
  private readonly items = new Map<string, Item>();
  /** Item ids by table partition key, so a table query reads one partition, not the table. */
  private readonly partitions = new Map<string, Set<string>>();
  readonly ledger: CapacityEntry[] = [];
  /** The table's stream: every write that changed an item, in order. */
  readonly stream: StubStreamRecord[] = [];
  private sequence = 0;
  /**
   * True while answering a request whose input nobody else holds and whose answer is serialized
   * at once (handleWire): then nothing needs copying on the way in or out.
   */
  private wire = false;

  constructor(readonly shape: TableShape) {}

  /** Answers one API call; throws DynamoDbError for what DynamoDB answers with an error. */
  handle(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    this.wire = false;
    return this.dispatch(operation, input);
  }

  /**
   * As `handle`, for a request body as it came over the wire: the answer is its JSON text. Items
   * are stored from the parsed request and written out from the store without copies, as a
   * server that parses and serializes does (the copies `handle` makes protect callers that keep
   * their objects).
   */
  handleWire(operation: string, body: string): string {
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    this.wire = true;
    try {
      return JSON.stringify(this.dispatch(operation, input));
    } finally {
      this.wire = false;
    }
  }

  private dispatch(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    switch (operation) {
      case 'GetItem':
        return this.getItem(input);
      case 'BatchGetItem':
        return this.batchGetItem(input);
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return this.singleWrite(operation, input);
      case 'BatchWriteItem':
        return this.batchWriteItem(input);
      case 'BatchExecuteStatement':
        return this.batchExecuteStatement(input);
      case 'TransactWriteItems':
        return this.transactWriteItems(input);
      case 'TransactGetItems':
        return this.transactGetItems(input);
      case 'Query':
        return this.query(input);
      default:
        throw new DynamoDbError('UnknownOperationException', `the stub does not answer ${operation}`);
    }
  }

  /** Every item as stored (for seeding checks and tests). */
  allItems(): Item[] {
    return [...this.items.values()];
  }

  // --- reads -------------------------------------------------------------------------------

  private getItem(input: Record<string, unknown>): Record<string, unknown> {
    this.checkTable(input.TableName);
    const key = input.Key as Item;
    const item = this.items.get(this.keyOf(key));
    const units = readUnits(itemSize(item), input.ConsistentRead === true);
    this.book('GetItem', 'read', units, 'table', this.partitionOf(key));
    return { ...(item ? { Item: this.copy(item) } : {}), ...this.consumed(input, units, 'read') };
  }

  private batchGetItem(input: Record<string, unknown>): Record<string, unknown> {
    const requests = input.RequestItems as Record<string, { Keys: Item[]; ConsistentRead?: boolean }>;
    const responses: Record<string, Item[]> = {};
    let total = 0;
    for (const [tableName, request] of Object.entries(requests)) {
      this.checkTable(tableName);
      const found: Item[] = [];
      // Each item is rounded up to its own 4 KB.
      for (const key of request.Keys) {
        const item = this.items.get(this.keyOf(key));
        const units = readUnits(itemSize(item), request.ConsistentRead === true);
        total += units;
        this.book('BatchGetItem', 'read', units, 'table', this.partitionOf(key));
        if (item) found.push(this.copy(item));
      }
      responses[tableName] = found;
    }
    return { Responses: responses, UnprocessedKeys: {}, ...this.consumed(input, total, 'read') };
  }

  private transactGetItems(input: Record<string, unknown>): Record<string, unknown> {
    const gets = input.TransactItems as Array<{ Get: { TableName: string; Key: Item } }>;
    let total = 0;
    const responses = gets.map(({ Get }) => {
      this.checkTable(Get.TableName);
      const item = this.items.get(this.keyOf(Get.Key));
      const units = 2 * readUnits(itemSize(item), true);
      total += units;
      this.book('TransactGetItems', 'read', units, 'table', this.partitionOf(Get.Key));
      return item ? { Item: this.copy(item) } : {};
    });
    return { Responses: responses, ...this.consumed(input, total, 'read') };
  }

  private query(input: Record<string, unknown>): Record<string, unknown> {
    this.checkTable(input.TableName);
    const context = this.contextOf(input);
    const indexName = input.IndexName as string | undefined;
    const index = indexName ? this.shape.indexes.find((candidate) => candidate.indexName === indexName) : undefined;
    if (indexName && !index) throw new DynamoDbError('ValidationException', `no index ${indexName}`);
    const partitionAttribute = index?.partitionKey ?? this.shape.partitionKey;
    const sortAttribute = index ? index.sortKey : this.shape.sortKey;
    const keyCondition = parseCondition(String(input.KeyConditionExpression), context);
    const partitionValue = equalityValue(keyCondition, partitionAttribute, context);
    if (!partitionValue) throw new DynamoDbError('ValidationException', `query: no equality on ${partitionAttribute}`);
    const partition = scalar(partitionValue)!;

    const candidates = index
      ? [...this.items.values()].filter((item) => scalar(item[partitionAttribute]) === partition)
      : [...(this.partitions.get(partition) ?? [])].map((id) => this.items.get(id)!);
    let matches = candidates
      .map((item) => (index ? this.indexEntry(item, index) : item))
      .filter((item): item is Item => item !== undefined)
      .filter((item) => conditionMatches(keyCondition, item, context));
    if (sortAttribute) matches.sort((a, b) => compareValues(a[sortAttribute]!, b[sortAttribute]!) ?? 0);
    if (input.ScanIndexForward === false) matches.reverse();
    const start = input.ExclusiveStartKey as Item | undefined;
    if (start) {
      const startAt = matches.findIndex((item) => this.keyOf(item) === this.keyOf(start));
      matches = matches.slice(startAt + 1);
    }
    const limit = typeof input.Limit === 'number' ? input.Limit : undefined;
    const evaluated = limit !== undefined ? matches.slice(0, limit) : matches;
    const more = limit !== undefined && matches.length > limit;
    // A query is billed on the total size of the items it read, rounded up once; an index is read eventually consistent.
    const units = readUnits(
      evaluated.reduce((sum, item) => sum + itemSize(item), 0),
      !index && input.ConsistentRead === true,
    );
    this.book('Query', 'read', units, indexName ?? 'table', partition);
    const filter = input.FilterExpression as string | undefined;
    const returned = evaluated.filter((item) => conditionHolds(filter, item, context));
    const last = evaluated[evaluated.length - 1];
    return {
      Items: returned.map((item) => this.copy(item)),
      Count: returned.length,
      ScannedCount: evaluated.length,
      ...(more && last ? { LastEvaluatedKey: this.lastKey(last, index) } : {}),
      ...this.consumed(input, units, 'read'),
    };
  }

  // --- writes ------------------------------------------------------------------------------

  private singleWrite(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    this.checkTable(input.TableName);
    const plan = this.planWrite(operation, input);
    const context = this.contextOf(input);
    if (!conditionHolds(input.ConditionExpression as string | undefined, plan.before, context)) {
      // A refused conditional write still consumes the units of the item it checked.
      const units = writeUnits(Math.max(itemSize(plan.before), itemSize(plan.after)));
      this.book(operation, 'write', units, 'table', plan.partition);
      const item = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && plan.before ? { Item: plan.before } : {};
      throw new DynamoDbError('ConditionalCheckFailedException', 'The conditional request failed', item);
    }
    const units = this.commit(operation, plan, 1);
    return { ...this.returnValues(input, plan), ...this.consumed(input, units, 'write') };
  }

  private batchWriteItem(input: Record<string, unknown>): Record<string, unknown> {
    const requests = input.RequestItems as Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>>;
    let total = 0;
    for (const [tableName, writes] of Object.entries(requests)) {
      for (const write of writes) {
        const plan = write.PutRequest
          ? this.planWrite('PutItem', { TableName: tableName, Item: write.PutRequest.Item })
          : this.planWrite('DeleteItem', { TableName: tableName, Key: write.DeleteRequest!.Key });
        total += this.commit('BatchWriteItem', plan, 1);
      }
    }
    return { UnprocessedItems: {}, ...this.consumed(input, total, 'write') };
  }

  /**
   * PartiQL batches of INSERTs, the one statement the code sends (`INSERT INTO "table" VALUE
   * {'name':?, ...}`): each statement is a PutItem that refuses an existing key with a
   * DuplicateItem error of its own, at a PutItem's units.
   */
  private batchExecuteStatement(input: Record<string, unknown>): Record<string, unknown> {
    const statements = input.Statements as Array<{ Statement: string; Parameters?: unknown[] }>;
    let total = 0;
    const responses = statements.map(({ Statement, Parameters = [] }) => {
      const match = /^INSERT INTO "((?:[^"]|"")+)" VALUE \{(.*)\}$/s.exec(Statement);
      if (!match) throw new DynamoDbError('ValidationException', `the stub answers only INSERT statements, not: ${Statement.slice(0, 80)}`);
      const names = [...match[2]!.matchAll(/'((?:[^']|'')*)':\?/g)].map((name) => name[1]!.replaceAll("''", "'"));
      if (names.length !== Parameters.length) throw new DynamoDbError('ValidationException', 'the number of parameters does not match the statement');
      const item = Object.fromEntries(names.map((name, index) => [name, Parameters[index]])) as Item;
      const tableName = match[1]!.replaceAll('""', '"');
      this.checkTable(tableName);
      const plan = this.planWrite('PutItem', { TableName: tableName, Item: item });
      if (plan.before) {
        // Refused, it still consumes the units of the item it checked.
        const units = writeUnits(Math.max(itemSize(plan.before), itemSize(plan.after)));
        total += units;
        this.book('BatchExecuteStatement', 'write', units, 'table', plan.partition);
        return { Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table' } };
      }
      total += this.commit('BatchExecuteStatement', plan, 1);
      return {};
    });
    return { Responses: responses, ...this.consumed(input, total, 'write') };
  }

  private transactWriteItems(input: Record<string, unknown>): Record<string, unknown> {
    type Action = { Put?: Record<string, unknown>; Update?: Record<string, unknown>; Delete?: Record<string, unknown>; ConditionCheck?: Record<string, unknown> };
    const actions = input.TransactItems as Action[];
    const planned = actions.map((action) => {
      const [kind, body] = Object.entries(action)[0] as [keyof Action, Record<string, unknown>];
      this.checkTable(body.TableName);
      const operation = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheck' }[kind];
      const plan = this.planWrite(operation, body);
      const held = conditionHolds(body.ConditionExpression as string | undefined, plan.before, this.contextOf(body));
      return { operation, plan, held };
    });
    if (planned.some((entry) => !entry.held)) {
      // A cancelled transaction still consumes the units of the items it checked.
      for (const { plan } of planned) this.book('TransactWriteItems', 'write', 2 * writeUnits(itemSize(plan.before)), 'table', plan.partition);
      throw new DynamoDbError('TransactionCanceledException', 'Transaction cancelled, please refer cancellation reasons for specific reasons', {
        CancellationReasons: planned.map((entry) =>
          entry.held ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
        ),
      });
    }
    let total = 0;
    for (const { operation, plan } of planned) {
      if (operation === 'ConditionCheck') {
        total += 2 * writeUnits(itemSize(plan.before));
        this.book('TransactWriteItems', 'write', 2 * writeUnits(itemSize(plan.before)), 'table', plan.partition);
      } else total += this.commit('TransactWriteItems', plan, 2);
    }
    return this.consumed(input, total, 'write');
  }

  private planWrite(operation: string, input: Record<string, unknown>): WritePlan {
    const key = (operation === 'PutItem' ? this.keyAttributes(input.Item as Item) : input.Key) as Item;
    const id = this.keyOf(key);
    const before = this.items.get(id);
    let after: Item | undefined;
    if (operation === 'PutItem') after = this.copy(input.Item as Item);
    else if (operation === 'UpdateItem') {
      const expression = input.UpdateExpression as string | undefined;
      const start = before ?? structuredClone(key);
      after = expression ? applyUpdate(start, expression, this.contextOf(input)) : start;
    } else if (operation === 'ConditionCheck') after = before;
    return { key: id, partition: this.partitionOf(key), before, after };
  }

  /** Stores the write and books its units, table and indexes; `factor` 2 for a transaction. */
  private commit(operation: string, plan: WritePlan, factor: number): number {
    this.recordChange(plan);
    if (plan.after) {
      this.items.set(plan.key, plan.after);
      const ids = this.partitions.get(plan.partition) ?? new Set<string>();
      this.partitions.set(plan.partition, ids.add(plan.key));
    } else {
      this.items.delete(plan.key);
      this.partitions.get(plan.partition)?.delete(plan.key);
    }
    let total = factor * writeUnits(Math.max(itemSize(plan.before), itemSize(plan.after)));
    this.book(operation, 'write', total, 'table', plan.partition);
    for (const index of this.shape.indexes) {
      const before = plan.before && this.indexEntry(plan.before, index);
      const after = plan.after && this.indexEntry(plan.after, index);
      const beforeKey = before && scalar(before[index.partitionKey]);
      const afterKey = after && scalar(after[index.partitionKey]);
      const sameEntryKey =
        before && after && beforeKey === afterKey && (!index.sortKey || scalar(before[index.sortKey]) === scalar(after[index.sortKey]));
      // A moved entry is a delete and a put; an entry whose projection did not change costs nothing.
      const writes: Array<[Item, string]> = [];
      if (sameEntryKey) {
        if (JSON.stringify(before) !== JSON.stringify(after)) writes.push([itemSize(before) > itemSize(after) ? before : after, afterKey!]);
      } else {
        if (before && beforeKey !== undefined) writes.push([before, beforeKey]);
        if (after && afterKey !== undefined) writes.push([after, afterKey]);
      }
      for (const [entry, partition] of writes) {
        const units = factor * writeUnits(itemSize(entry));
        total += units;
        this.book(operation, 'write', units, index.indexName, partition);
      }
    }
    return total;
  }

  /** DynamoDB Streams records a write only when it changed the item. */
  private recordChange(plan: WritePlan): void {
    if (!plan.before && !plan.after) return;
    if (plan.before && plan.after && canonical(plan.before) === canonical(plan.after)) return;
    this.sequence += 1;
    // Stored items are never changed in place (a write stores a new object), so over the wire the images can be the stored items.
    const images = { ...(plan.after ? { NewImage: this.copy(plan.after) } : {}), ...(plan.before ? { OldImage: this.copy(plan.before) } : {}) };
    this.stream.push({
      eventID: `stub-${this.sequence}`,
      eventName: !plan.before ? 'INSERT' : plan.after ? 'MODIFY' : 'REMOVE',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: this.keyAttributes((plan.after ?? plan.before)!),
        ...images,
        SequenceNumber: String(this.sequence).padStart(21, '0'),
        SizeBytes: itemSize(plan.before) + itemSize(plan.after),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
  }

  // --- helpers -----------------------------------------------------------------------------

  private copy(item: Item): Item {
    return this.wire ? item : structuredClone(item);
  }

  /** The item as the index holds it (its projection), or undefined when it lacks the index's keys. */
  private indexEntry(item: Item, index: IndexShape): Item | undefined {
    if (item[index.partitionKey] === undefined || (index.sortKey && item[index.sortKey] === undefined)) return undefined;
    if (index.projection === 'ALL') return item;
    const kept = new Set([this.shape.partitionKey, this.shape.sortKey, index.partitionKey, index.sortKey]);
    if (index.projection === 'INCLUDE') for (const name of index.nonKeyAttributes) kept.add(name);
    return Object.fromEntries(Object.entries(item).filter(([name]) => kept.has(name)));
  }

  private lastKey(item: Item, index: IndexShape | undefined): Item {
    const names = [this.shape.partitionKey, this.shape.sortKey, index?.partitionKey, index?.sortKey].filter((name): name is string => !!name);
    return Object.fromEntries(names.filter((name) => item[name]).map((name) => [name, item[name]!]));
  }

  private keyAttributes(item: Item): Item {
    const names = [this.shape.partitionKey, this.shape.sortKey].filter((name): name is string => !!name);
    return Object.fromEntries(names.map((name) => [name, item[name]!]));
  }

  private keyOf(key: Item): string {
    const partition = scalar(key[this.shape.partitionKey]);
    const sort = this.shape.sortKey ? scalar(key[this.shape.sortKey]) : '';
    if (partition === undefined || sort === undefined) throw new DynamoDbError('ValidationException', 'The provided key element does not match the schema');
    return `${partition}\u0000${sort}`;
  }

  private partitionOf(key: Item): string {
    return scalar(key[this.shape.partitionKey]) ?? '?';
  }

  private checkTable(tableName: unknown): void {
    if (tableName !== this.shape.tableName) throw new DynamoDbError('ResourceNotFoundException', `Requested resource not found: ${String(tableName)}`);
  }

  private contextOf(input: Record<string, unknown>): ExpressionContext {
    return {
      names: input.ExpressionAttributeNames as Record<string, string> | undefined,
      values: input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined,
    };
  }

  private book(operation: string, kind: 'read' | 'write', units: number, target: string, partitionKey: string): void {
    this.ledger.push({ operation, kind, units, target, partitionKey });
  }

  private returnValues(input: Record<string, unknown>, plan: WritePlan): Record<string, unknown> {
    const mode = input.ReturnValues as string | undefined;
    if (!mode || mode === 'NONE') return {};
    if (mode === 'ALL_OLD') return plan.before ? { Attributes: plan.before } : {};
    if (mode === 'ALL_NEW') return plan.after ? { Attributes: plan.after } : {};
    // UPDATED_NEW / UPDATED_OLD: the top-level attributes the write changed.
    const source = mode === 'UPDATED_NEW' ? plan.after : plan.before;
    const other = mode === 'UPDATED_NEW' ? plan.before : plan.after;
    const changed = Object.entries(source ?? {}).filter(([name, value]) => JSON.stringify(other?.[name]) !== JSON.stringify(value));
    return changed.length ? { Attributes: Object.fromEntries(changed) } : {};
  }

  private consumed(input: Record<string, unknown>, units: number, kind: 'read' | 'write'): Record<string, unknown> {
    const mode = input.ReturnConsumedCapacity as string | undefined;
    if (!mode || mode === 'NONE') return {};
    const entry = {
      TableName: this.shape.tableName,
      CapacityUnits: units,
      ...(kind === 'read' ? { ReadCapacityUnits: units } : { WriteCapacityUnits: units }),
    };
    const batch = input.RequestItems !== undefined || input.TransactItems !== undefined || input.Statements !== undefined;
    return { ConsumedCapacity: batch ? [entry] : entry };
  }
}

/** An item as a string that does not depend on attribute order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
