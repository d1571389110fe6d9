// The counts aggregator over an in-memory store: one write per endpoint and hour of a stream batch,
// and where the event source retries from when a write fails.
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { CountAggregator, type CountsMetric } from '../../../lambdas/counts/count-aggregator';
import type { HourlyCounts, HourlyCountsStore } from '../../../lambdas/counts/hourly-counts-store';

interface Write {
  accountId: string;
  endpointId: string;
  hour: string;
  counts: HourlyCounts;
}

function setup(failFor: (endpointId: string) => boolean = () => false) {
  const writes: Write[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const store: HourlyCountsStore = {
    async addHourlyCounts(accountId, endpointId, hour, counts) {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      if (failFor(endpointId)) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      writes.push({ accountId, endpointId, hour: hour.toISOString(), counts });
    },
  };
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const log = Object.fromEntries(
    ['info', 'warn', 'error'].map((level) => [level, (message: string, ...fields: Record<string, unknown>[]) => lines.push({ level, message, fields: Object.assign({}, ...fields) })]),
  ) as unknown as ConstructorParameters<typeof CountAggregator>[0]['log'];
  const metrics = new Map<CountsMetric, number>();
  const aggregator = new CountAggregator({ store, log, count: (metric, value) => metrics.set(metric, (metrics.get(metric) ?? 0) + value) });
  return { aggregator, writes, lines, metrics, maxInFlight: () => maxInFlight };
}

let sequence = 0;
/** A first attempt's INSERT of a delivery of `endpointId`, with its body in the doc. */
function created(endpointId: string, status: 'succeeded' | 'pending' | 'failed' | 'skipped', updatedAt = '2026-11-28T10:10:00Z'): DynamoDBRecord {
  sequence += 1;
  const item = { pk: `DELIVERY#dlv_${sequence}`, sk: 'DELIVERY', accountId: 'acct_1', endpointId, status, attemptCount: status === 'skipped' ? 0 : 1, updatedAt };
  return {
    eventName: 'INSERT',
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
      NewImage: { ...marshall(item), doc: { B: Buffer.from('secret body').toString('base64') } } as never,
      SequenceNumber: String(sequence).padStart(21, '0'),
    },
  };
}

test('writes one ADD per endpoint and hour for a whole batch, never one per delivery', async () => {
  const t = setup();
  const records = [
    ...Array.from({ length: 500 }, () => created('ep_a', 'succeeded')),
    ...Array.from({ length: 300 }, () => created('ep_b', 'pending')),
    created('ep_b', 'failed'),
    created('ep_c', 'skipped'),
    created('ep_a', 'succeeded', '2026-11-28T11:00:01Z'),
  ];
  expect(await t.aggregator.handleRecords(records)).toBeUndefined();
  expect(t.writes.sort((a, b) => `${a.endpointId}${a.hour}`.localeCompare(`${b.endpointId}${b.hour}`))).toEqual([
    { accountId: 'acct_1', endpointId: 'ep_a', hour: '2026-11-28T10:00:00.000Z', counts: { succeeded: 500, failed: 0, failedAttempts: 0, skipped: 0, filtered: 0 } },
    { accountId: 'acct_1', endpointId: 'ep_a', hour: '2026-11-28T11:00:00.000Z', counts: { succeeded: 1, failed: 0, failedAttempts: 0, skipped: 0, filtered: 0 } },
    { accountId: 'acct_1', endpointId: 'ep_b', hour: '2026-11-28T10:00:00.000Z', counts: { succeeded: 0, failed: 1, failedAttempts: 301, skipped: 0, filtered: 0 } },
    { accountId: 'acct_1', endpointId: 'ep_c', hour: '2026-11-28T10:00:00.000Z', counts: { succeeded: 0, failed: 0, failedAttempts: 0, skipped: 1, filtered: 0 } },
  ]);
  expect(Object.fromEntries(t.metrics)).toEqual({ DeliveryChangesCounted: 803, HourlyCountWrites: 4 });
});

/** A log page's INSERT noting events endpoints' filters left out, as the dispatcher writes it. */
function loggedPage(filtered: string, at = '2026-11-28T10:10:00.000Z'): DynamoDBRecord {
  sequence += 1;
  const key = { pk: 'LOG#acct_1#2', sk: `${at}#0a0b0c0d0e0f` };
  return {
    eventName: 'INSERT',
    dynamodb: { Keys: marshall(key) as never, NewImage: marshall({ ...key, filtered }) as never, SequenceNumber: String(sequence).padStart(21, '0') },
  };
}

test('adds log pages\' filtered counts into the same write per endpoint and hour as its deliveries', async () => {
  const t = setup();
  const records = [created('ep_a', 'succeeded'), loggedPage('ep_a 4\nep_b 2'), loggedPage('ep_a 1')];
  expect(await t.aggregator.handleRecords(records)).toBeUndefined();
  expect(t.writes.sort((a, b) => a.endpointId.localeCompare(b.endpointId))).toEqual([
    { accountId: 'acct_1', endpointId: 'ep_a', hour: '2026-11-28T10:00:00.000Z', counts: { succeeded: 1, failed: 0, failedAttempts: 0, skipped: 0, filtered: 5 } },
    { accountId: 'acct_1', endpointId: 'ep_b', hour: '2026-11-28T10:00:00.000Z', counts: { succeeded: 0, failed: 0, failedAttempts: 0, skipped: 0, filtered: 2 } },
  ]);
  expect(Object.fromEntries(t.metrics)).toEqual({ DeliveryChangesCounted: 3, HourlyCountWrites: 2 });
});

test('a failed write of a page\'s counts asks for a retry from that page', async () => {
  const t = setup((endpointId) => endpointId === 'ep_bad');
  const records = [created('ep_a', 'succeeded'), loggedPage('ep_a 1\nep_bad 3')];
  expect(await t.aggregator.handleRecords(records)).toBe(records[1]!.dynamodb!.SequenceNumber);
  expect(t.writes.map((write) => write.endpointId)).toEqual(['ep_a']);
});

test('a batch that counts nothing writes nothing', async () => {
  const t = setup();
  const claim = created('ep_a', 'pending');
  claim.dynamodb!.OldImage = claim.dynamodb!.NewImage;
  claim.eventName = 'MODIFY';
  expect(await t.aggregator.handleRecords([claim])).toBeUndefined();
  expect(await t.aggregator.handleRecords([])).toBeUndefined();
  expect(t.writes).toEqual([]);
});

test('a failed write asks for a retry from the earliest record of its sum; the other sums are written', async () => {
  const t = setup((endpointId) => endpointId === 'ep_bad' || endpointId === 'ep_worse');
  const records = [created('ep_a', 'succeeded'), created('ep_bad', 'pending'), created('ep_worse', 'succeeded'), created('ep_a', 'succeeded'), created('ep_bad', 'pending')];
  const retryFrom = await t.aggregator.handleRecords(records);
  expect(retryFrom).toBe(records[1]!.dynamodb!.SequenceNumber);
  expect(t.writes.map((write) => write.endpointId)).toEqual(['ep_a']);
  expect(t.metrics.get('HourlyCountWriteFailures')).toBe(2);
  const errors = t.lines.filter((line) => line.level === 'error');
  expect(errors).toHaveLength(2);
  expect(errors[0]!.fields).toMatchObject({ accountId: 'acct_1', error: 'ThrottlingException: Rate exceeded' });
});

test('an unreadable delivery record is logged by sequence number and not retried; nothing of the item is logged', async () => {
  const t = setup();
  const broken = created('ep_a', 'succeeded');
  (broken.dynamodb!.NewImage as Record<string, unknown>).attemptCount = { S: 'many' };
  expect(await t.aggregator.handleRecords([broken, created('ep_a', 'succeeded')])).toBeUndefined();
  expect(t.writes).toHaveLength(1);
  expect(t.lines).toEqual([{ level: 'warn', message: expect.stringContaining('not counted'), fields: { sequenceNumber: broken.dynamodb!.SequenceNumber } }]);
  expect(JSON.stringify(t.lines)).not.toContain(Buffer.from('secret body').toString('base64'));
});

test('bounds the writes in flight for a batch of many endpoints', async () => {
  const t = setup();
  await t.aggregator.handleRecords(Array.from({ length: 200 }, (_, index) => created(`ep_${index}`, 'succeeded')));
  expect(t.writes).toHaveLength(200);
  expect(t.maxInFlight()).toBeLessThanOrEqual(16);
});
