// The least AWS work any batch of this design makes, timed alone: the batch's two reads (the new
// deliveries, eventually consistent, to spot a copy of an event already delivered; the endpoint,
// strongly consistent, so a disabled one is never sent to) and its one write of the new
// deliveries (built, deflated and inserted together), through the same Table code and SDK client
// as the dispatcher, answered at once by canned replies (no stub, no bookkeeping). Next to the
// bare loop's CPU per delivery it bounds the throughput ratio from above: the dispatcher does at
// least this on top of signing and POSTing.
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { deliveryItem } from '../lambdas/adapters/delivery-items';
import { Table } from '../lambdas/adapters/dynamodb-table';
import { keys } from '../lambdas/adapters/table-keys';
import type { Delivery } from '../lambdas/domain/model';
import { DELIVERY_BODY_BYTES } from './scenario';

export interface FloorOptions {
  /** Deliveries per batch (the event source's batch size). */
  readonly batchSize: number;
  /** Batches in flight at once. */
  readonly lanes: number;
  readonly batches: number;
  readonly reps: number;
}

export interface FloorResult {
  /** CPU per delivery of the two reads and the one insert of each batch; one figure per rep. */
  readonly cpuUsPerDelivery: number[];
}

/** The endpoint item every read returns, as DynamoDB sends it. */
const ENDPOINT_ITEM = {
  pk: { S: 'ENDPOINT#acct_floor#ep_floor' },
  sk: { S: 'ENDPOINT' },
  accountId: { S: 'acct_floor' },
  endpointId: { S: 'ep_floor' },
  url: { S: 'https://receiver.example.com/hooks/georedir' },
  events: { L: [{ S: '*' }] },
  status: { S: 'active' },
  secret: { S: `whsec_${'x'.repeat(43)}` },
  consecutiveFailures: { N: '0' },
  createdAt: { S: '2026-11-28T10:00:00.000Z' },
  updatedAt: { S: '2026-11-28T10:00:00.000Z' },
};

interface RequestLike {
  headers: Record<string, string>;
  body?: unknown;
}

/** A DynamoDB client answered at once: BatchGetItem finds only the endpoint, every INSERT succeeds. */
function cannedClient(): DynamoDBClient {
  const reply = (text: string) => ({
    response: {
      statusCode: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'floor' },
      body: Readable.from([Buffer.from(text)]),
    },
  });
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://dynamodb.floor.invalid',
    credentials: { accessKeyId: 'floor', secretAccessKey: 'floor' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: RequestLike) => {
        const target = request.headers['x-amz-target'] ?? '';
        const input = JSON.parse(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array)) as {
          RequestItems?: Record<string, { Keys: unknown[] }>;
          Statements?: unknown[];
        };
        if (target.endsWith('BatchGetItem')) {
          const [tableName, { Keys }] = Object.entries(input.RequestItems ?? {})[0]!;
          return reply(JSON.stringify({ Responses: { [tableName]: Keys.length === 1 ? [ENDPOINT_ITEM] : [] }, UnprocessedKeys: {} }));
        }
        return reply(JSON.stringify({ Responses: (input.Statements ?? []).map(() => ({})) }));
      },
    } as never,
  });
}

function cleanDelivery(deliveryId: string, body: string): Delivery {
  const ids = { deliveryId, accountId: 'acct_floor', endpointId: 'ep_floor', eventId: `evt_${deliveryId}`, eventType: 'click' };
  const at = new Date().toISOString();
  return {
    ...ids,
    status: 'succeeded',
    attemptCount: 1,
    createdAt: at,
    updatedAt: at,
    body,
    attempts: [{ ...ids, attempt: 1, attemptedAt: at, outcome: 'succeeded', latencyMs: 3, statusCode: 200, responseExcerpt: '{"received":true}' }],
  };
}

export async function measureThroughputFloor(options: FloorOptions): Promise<FloorResult> {
  const client = cannedClient();
  const table = new Table(client, 'floor', 30);
  const body = JSON.stringify({ event: 'click', timestamp: new Date().toISOString(), data: { padding: 'x'.repeat(DELIVERY_BODY_BYTES - 80) } });
  let counter = 0;
  const batch = async () => {
    const ids = Array.from({ length: options.batchSize }, () => `dlv_floor${(counter += 1)}`);
    await Promise.all([
      table.batchGet(ids.map((id) => keys.delivery(id)), { consistentRead: false }),
      table.batchGet([keys.endpoint('acct_floor', 'ep_floor')]),
    ]);
    const results = await table.insertFlat(ids.map((id) => deliveryItem(cleanDelivery(id, body), table.expiresAt(), { claimedAttempt: 1 })));
    if (results.some((result) => result !== true)) throw new Error('bench floor: an insert was not answered as written');
  };
  const run = async (batches: number) => {
    let started = 0;
    const cpu = process.cpuUsage();
    await Promise.all(
      Array.from({ length: options.lanes }, async () => {
        while (started < batches) {
          started += 1;
          await batch();
        }
      }),
    );
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / (batches * options.batchSize);
  };
  try {
    await run(Math.min(100, options.batches)); // warm-up, not kept
    const cpuUsPerDelivery: number[] = [];
    for (let rep = 0; rep < options.reps; rep += 1) cpuUsPerDelivery.push(await run(options.batches));
    return { cpuUsPerDelivery };
  } finally {
    client.destroy();
  }
}
