// The bench's in-memory DynamoDB: conditions, updates, queries, and the units it books per
// partition key (table and index, by projection; transactions at 2x).
import { DynamoDbStub, type TableShape } from '../../../bench/stub/dynamodb-stub';
import { itemSize, numberSize } from '../../../bench/stub/item-size';

const shape: TableShape = {
  tableName: 't',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { indexName: 'all', partitionKey: 'gpk', sortKey: 'gsk', projection: 'ALL', nonKeyAttributes: [] },
    { indexName: 'keys', partitionKey: 'kpk', projection: 'KEYS_ONLY', nonKeyAttributes: [] },
  ],
};

const S = (value: string) => ({ S: value });

function stub(): DynamoDbStub {
  return new DynamoDbStub(shape);
}

describe('item sizes', () => {
  it('follows the published rules', () => {
    expect(numberSize('12345')).toBe(4);
    expect(numberSize('-0.0012')).toBe(3);
    // Digit pairs align on the decimal point: 01 23 45 . 67 80
    expect(numberSize('12345.678')).toBe(6);
    expect(numberSize('200')).toBe(2);
    expect(numberSize('1.5e3')).toBe(2);
    expect(itemSize({ ab: S('xyz'), n: { N: '1' }, l: { L: [S('a'), { BOOL: true }] } })).toBe(2 + 3 + 1 + 2 + 1 + (3 + 2 + 2));
  });
});

describe('DynamoDbStub', () => {
  it('honours attribute_not_exists on PutItem and still books the refused write', () => {
    const db = stub();
    const put = { TableName: 't', Item: { pk: S('A'), sk: S('1') }, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } };
    db.handle('PutItem', put);
    expect(() => db.handle('PutItem', put)).toThrow(expect.objectContaining({ type: 'ConditionalCheckFailedException' }));
    expect(db.ledger.map((entry) => [entry.operation, entry.units, entry.partitionKey])).toEqual([
      ['PutItem', 1, 'A'],
      ['PutItem', 1, 'A'],
    ]);
  });

  it('answers a batch of PartiQL INSERTs statement by statement: DuplicateItem for an existing key, booked as a PutItem', () => {
    const db = stub();
    db.handle('PutItem', { TableName: 't', Item: { pk: S('A'), sk: S('1') } });
    const insert = (pk: string) => ({ Statement: `INSERT INTO "t" VALUE {'pk':?,'sk':?,'it''s':?}`, Parameters: [S(pk), S('1'), { N: '7' }] });
    const answer = db.handle('BatchExecuteStatement', { Statements: [insert('A'), insert('B')] });
    expect(answer).toEqual({ Responses: [{ Error: { Code: 'DuplicateItem', Message: expect.any(String) } }, {}] });
    expect(db.allItems()).toContainEqual({ pk: S('B'), sk: S('1'), "it's": { N: '7' } });
    expect(db.ledger.slice(1).map((entry) => [entry.operation, entry.units, entry.partitionKey])).toEqual([
      ['BatchExecuteStatement', 1, 'A'],
      ['BatchExecuteStatement', 1, 'B'],
    ]);
  });

  it('applies SET, ADD and REMOVE and evaluates update conditions', () => {
    const db = stub();
    db.handle('PutItem', { TableName: 't', Item: { pk: S('A'), sk: S('1'), status: S('pending'), n: { N: '1' }, gone: S('x') } });
    const update = {
      TableName: 't',
      Key: { pk: S('A'), sk: S('1') },
      UpdateExpression: 'SET #s = :done, c = if_not_exists(c, :zero) + :one ADD n :one REMOVE gone',
      ConditionExpression: '#s = :pending AND n < :two',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':done': S('done'), ':pending': S('pending'), ':zero': { N: '0' }, ':one': { N: '1' }, ':two': { N: '2' } },
      ReturnValues: 'ALL_NEW',
    };
    expect(db.handle('UpdateItem', update)).toMatchObject({ Attributes: { status: S('done'), c: { N: '1' }, n: { N: '2' } } });
    expect(db.allItems()[0]).not.toHaveProperty('gone');
    expect(() => db.handle('UpdateItem', update)).toThrow(expect.objectContaining({ type: 'ConditionalCheckFailedException' }));
  });

  it('queries a partition by sort key prefix, and an index by its key', () => {
    const db = stub();
    for (const sk of ['ENDPOINT#1', 'ENDPOINT#2', 'ACCOUNT']) db.handle('PutItem', { TableName: 't', Item: { pk: S('A'), sk: S(sk), gpk: S('G'), gsk: S(sk) } });
    const table = db.handle('Query', {
      TableName: 't',
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': S('A'), ':prefix': S('ENDPOINT#') },
    });
    expect(table.Count).toBe(2);
    const index = db.handle('Query', { TableName: 't', IndexName: 'all', KeyConditionExpression: 'gpk = :g', ExpressionAttributeValues: { ':g': S('G') }, ScanIndexForward: false, Limit: 1 });
    expect(index).toMatchObject({ Count: 1, Items: [{ sk: S('ENDPOINT#2') }] });
    expect(db.ledger.at(-1)).toMatchObject({ operation: 'Query', kind: 'read', units: 0.5, target: 'all', partitionKey: 'G' });
  });

  it('books index writes by projection to the index partition key, and transactions at 2x', () => {
    const db = stub();
    const big = 'x'.repeat(1500);
    db.handle('TransactWriteItems', { TransactItems: [{ Put: { TableName: 't', Item: { pk: S('D'), sk: S('1'), gpk: S('G'), gsk: S('s'), kpk: S('K'), body: S(big) } } }] });
    const writes = db.ledger.map((entry) => [entry.target, entry.partitionKey, entry.units]);
    // Table and ALL index: 2 KB x 2; KEYS_ONLY index: 1 KB x 2.
    expect(writes).toEqual([
      ['table', 'D', 4],
      ['all', 'G', 4],
      ['keys', 'K', 2],
    ]);
  });

  it('cancels a transaction whose condition fails, with the reasons in order', () => {
    const db = stub();
    db.handle('PutItem', { TableName: 't', Item: { pk: S('A'), sk: S('1') } });
    const attempt = () =>
      db.handle('TransactWriteItems', {
        TransactItems: [
          { Put: { TableName: 't', Item: { pk: S('B'), sk: S('1') } } },
          { Put: { TableName: 't', Item: { pk: S('A'), sk: S('1') }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      });
    expect(attempt).toThrow(expect.objectContaining({ type: 'TransactionCanceledException', extra: { CancellationReasons: [{ Code: 'None' }, expect.objectContaining({ Code: 'ConditionalCheckFailed' })] } }));
    expect(db.allItems()).toHaveLength(1);
  });
});

describe('the table stream the stub keeps (for the counts aggregator)', () => {
  it('records each write that changed an item, with new and old images, in order; not refused or unchanged ones', () => {
    const db = stub();
    const key = { pk: S('A'), sk: S('1') };
    db.handle('PutItem', { TableName: 't', Item: { ...key, status: S('pending'), n: { N: '1' } } });
    db.handle('UpdateItem', { TableName: 't', Key: key, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('pending') } });
    db.handle('UpdateItem', { TableName: 't', Key: key, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('succeeded') } });
    expect(() =>
      db.handle('PutItem', { TableName: 't', Item: { ...key, status: S('x') }, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }),
    ).toThrow();
    db.handle('DeleteItem', { TableName: 't', Key: key });
    expect(db.stream.map((record) => [record.eventName, record.dynamodb.OldImage?.status?.S, record.dynamodb.NewImage?.status?.S, record.dynamodb.Keys])).toEqual([
      ['INSERT', undefined, 'pending', key],
      ['MODIFY', 'pending', 'succeeded', key],
      ['REMOVE', 'succeeded', undefined, key],
    ]);
    expect(db.stream.map((record) => record.dynamodb.SequenceNumber)).toEqual(['000000000000000000001', '000000000000000000002', '000000000000000000003']);
  });
});
