// Table.putFlat, insertFlat and batchGet: the dispatcher's per-batch writes and reads,
// marshalled directly and sent through a middleware handler resolved once. They must put on the
// wire exactly what the document client puts there, and read back what it reads, one request per
// call whatever runs concurrently.
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { deliveryItem } from '../../../lambdas/adapters/delivery-items';
import { marshalFlat, Table, unmarshalItem } from '../../../lambdas/adapters/dynamodb-table';
import type { Delivery } from '../../../lambdas/domain/model';

interface Captured {
  target: string;
  body: Record<string, unknown>;
}

/** A client whose requests are captured and answered at once: `{}` or the given body, or a refused condition. */
function capturingClient(answer: (captured: Captured) => 'ok' | 'condition-failed' | Record<string, unknown> = () => 'ok') {
  const requests: Captured[] = [];
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://dynamodb.test.invalid',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const sent = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
        const captured = { target: request.headers['x-amz-target'] ?? '', body: JSON.parse(sent) as Record<string, unknown> };
        requests.push(captured);
        // Let concurrent calls interleave, as network answers do.
        await new Promise((resolve) => setImmediate(resolve));
        const answered = answer(captured);
        const refused = answered === 'condition-failed';
        const text = refused
          ? JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' })
          : JSON.stringify(answered === 'ok' ? {} : answered);
        return {
          response: {
            statusCode: refused ? 400 : 200,
            headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'test' },
            body: Readable.from([Buffer.from(text)]),
          },
        };
      },
    },
  });
  return { client, requests };
}

function delivery(id: string, extra: Partial<Delivery> = {}): Delivery {
  return {
    deliveryId: id,
    accountId: 'acct_1',
    endpointId: 'ep_1',
    eventId: `click:${id}`,
    eventType: 'click',
    status: 'succeeded',
    attemptCount: 1,
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.042Z',
    body: '{"event":"click","timestamp":"2026-11-28T10:00:00Z","data":{"click_id":"c1"}}',
    attempts: [],
    ...extra,
  };
}

describe('Table.putFlat', () => {
  it('sends what the document client sends for the same item', async () => {
    const { client, requests } = capturingClient();
    const table = new Table(client, 'deliveries', 30);
    const item = deliveryItem(delivery('dlv_1', { reason: undefined, retryScheduledFor: 2, test: true }), 1_800_000_000, { claimedAttempt: 1 });

    await table.documents.send(new PutCommand({ TableName: 'deliveries', Item: item }));
    await table.putFlat(item);

    expect(requests).toHaveLength(2);
    expect(requests[1]).toEqual(requests[0]);
    expect(requests[1]!.target).toBe('DynamoDB_20120810.PutItem');
    expect(requests[1]!.body).toMatchObject({ TableName: 'deliveries', Item: { attemptCount: { N: '1' }, test: { BOOL: true } } });
    expect(requests[1]!.body.Item).not.toHaveProperty('reason');
    client.destroy();
  });

  it('keeps concurrent calls apart: one request per call, each with its own item', async () => {
    const { client, requests } = capturingClient();
    const table = new Table(client, 'deliveries', 30);
    const ids = Array.from({ length: 25 }, (_, index) => `dlv_${index}`);
    await Promise.all(ids.map((id) => table.putFlat(deliveryItem(delivery(id), 1_800_000_000))));
    const written = requests.map((request) => (request.body.Item as { deliveryId: { S: string } }).deliveryId.S);
    expect(written.sort()).toEqual([...ids].sort());
    client.destroy();
  });

});

describe('Table.insertFlat', () => {
  const idOf = (statement: { Parameters: Array<{ S?: string }> }, index: number) => statement.Parameters[index]?.S;

  it('sends one PartiQL INSERT per item, values as parameters, 25 to a request', async () => {
    const { client, requests } = capturingClient((captured) => ({ Responses: (captured.body.Statements as unknown[]).map(() => ({})) }));
    const table = new Table(client, 'deliveries', 30);
    const items = Array.from({ length: 30 }, (_, index) => deliveryItem(delivery(`dlv_${index}`), 1_800_000_000, { claimedAttempt: 1 }));
    expect(await table.insertFlat(items)).toEqual(items.map(() => true));
    expect(requests.map((request) => [request.target, (request.body.Statements as unknown[]).length])).toEqual([
      ['DynamoDB_20120810.BatchExecuteStatement', 25],
      ['DynamoDB_20120810.BatchExecuteStatement', 5],
    ]);
    const first = (requests[0]!.body.Statements as Array<{ Statement: string; Parameters: Array<Record<string, unknown>> }>)[0]!;
    const names = Object.keys(marshalFlat(items[0]!));
    expect(first.Statement).toBe(`INSERT INTO "deliveries" VALUE {${names.map((name) => `'${name}':?`).join(',')}}`);
    // As the wire carries them: binary in base64.
    const wire = Object.values(marshalFlat(items[0]!)).map((value) => ('B' in value && value.B ? { B: Buffer.from(value.B).toString('base64') } : value));
    expect(first.Parameters).toEqual(wire);
    client.destroy();
  });

  it('answers each item: false for an existing key, retries a throttled statement alone, an error for a refused one', async () => {
    let round = 0;
    const { client, requests } = capturingClient((captured) => {
      round += 1;
      const statements = captured.body.Statements as Array<{ Parameters: Array<{ S?: string }> }>;
      return {
        Responses: statements.map((statement) => {
          const pk = idOf(statement, 0) ?? '';
          if (pk.endsWith('dlv_taken')) return { Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table' } };
          if (pk.endsWith('dlv_throttled') && round === 1) return { Error: { Code: 'ProvisionedThroughputExceeded', Message: 'slow down' } };
          if (pk.endsWith('dlv_bad')) return { Error: { Code: 'ValidationError', Message: 'no' } };
          return {};
        }),
      };
    });
    const table = new Table(client, 'deliveries', 30);
    const results = await table.insertFlat(['dlv_new', 'dlv_taken', 'dlv_throttled', 'dlv_bad'].map((id) => deliveryItem(delivery(id), 1_800_000_000)));
    expect(results.slice(0, 3)).toEqual([true, false, true]);
    expect(results[3]).toBeInstanceOf(Error);
    expect((results[3] as Error).message).toContain('ValidationError');
    expect(requests.map((request) => (request.body.Statements as unknown[]).length)).toEqual([4, 1]);
    client.destroy();
  });
});

/** An item in the wire format with every attribute type, nested ones included. */
const EVERY_TYPE = {
  pk: { S: 'ENDPOINT#acct_1#ep_1' },
  sk: { S: 'ENDPOINT' },
  count: { N: '42' },
  ratio: { N: '-0.125' },
  huge: { N: '123456789012345678901234567890' },
  doc: { B: Buffer.from('deflated').toString('base64') },
  active: { BOOL: true },
  nothing: { NULL: true },
  events: { L: [{ S: 'click' }, { N: '1' }, { L: [{ BOOL: false }] }] },
  previousSecret: { M: { secret: { S: 'whsec_x' }, expiresAt: { S: '2026-11-29T00:00:00Z' }, nested: { M: { n: { N: '7' } } } } },
  tags: { SS: ['a', 'b'] },
  sizes: { NS: ['1', '2.5'] },
  blobs: { BS: [Buffer.from('x').toString('base64')] },
};

describe('Table.batchGet', () => {
  it('reads back what the document client reads, every attribute type included', async () => {
    const { client, requests } = capturingClient(() => ({ Responses: { deliveries: [EVERY_TYPE] }, UnprocessedKeys: {} }));
    const table = new Table(client, 'deliveries', 30);
    const key = { pk: 'ENDPOINT#acct_1#ep_1', sk: 'ENDPOINT' };
    const viaDocuments = await table.documents.send(new BatchGetCommand({ RequestItems: { deliveries: { Keys: [key], ConsistentRead: true } } }));
    const viaTable = await table.batchGet([key]);
    expect(requests[1]).toEqual(requests[0]);
    expect(viaTable).toEqual(viaDocuments.Responses?.deliveries);
    expect(viaTable[0]).toMatchObject({ count: 42, huge: 123456789012345678901234567890n, nothing: null, tags: new Set(['a', 'b']) });
    client.destroy();
  });

  it('asks again for unprocessed keys, eventually consistent when told so, each key once', async () => {
    const items = (ids: string[]) => ids.map((id) => ({ pk: { S: id }, sk: { S: 'DELIVERY' } }));
    let round = 0;
    const { client, requests } = capturingClient(() => {
      round += 1;
      return round === 1
        ? { Responses: { deliveries: items(['A']) }, UnprocessedKeys: { deliveries: { Keys: items(['B']) } } }
        : { Responses: { deliveries: items(['B']) }, UnprocessedKeys: {} };
    });
    const table = new Table(client, 'deliveries', 30);
    const found = await table.batchGet(
      ['A', 'B', 'A'].map((pk) => ({ pk, sk: 'DELIVERY' })),
      { consistentRead: false },
    );
    expect(found.map((item) => item.pk).sort()).toEqual(['A', 'B']);
    expect(requests.map((request) => request.body.RequestItems)).toEqual([
      { deliveries: { Keys: items(['A', 'B']) } },
      { deliveries: { Keys: items(['B']) } },
    ]);
    client.destroy();
  });
});

describe('unmarshalItem', () => {
  it('refuses an attribute value of no known type', () => {
    expect(() => unmarshalItem({ odd: {} as never })).toThrow();
  });
});

describe('marshalFlat', () => {
  it('marshals strings, numbers, booleans and binary, leaving undefined out', () => {
    expect(marshalFlat({ s: 'x', n: 1.5, b: false, bin: Buffer.from('hi'), gone: undefined })).toEqual({
      s: { S: 'x' },
      n: { N: '1.5' },
      b: { BOOL: false },
      bin: { B: Buffer.from('hi') },
    });
  });

  it('refuses what DynamoDB cannot store as given', () => {
    expect(() => marshalFlat({ n: Number.NaN })).toThrow(/not a number/);
    expect(() => marshalFlat({ nested: { a: 1 } } as never)).toThrow(/not a string, number, boolean or binary/);
  });
});
