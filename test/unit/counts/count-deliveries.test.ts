// The portal chart's counting rules, on every status change a delivery item can make, and the sums
// of a stream batch per endpoint and hour. Pure: no AWS.
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { keys } from '../../../lambdas/adapters/table-keys';
import {
  compareSequenceNumbers,
  countChange,
  type DeliveryState,
  deliveryStateOf,
  logPageCountsOf,
  sumStreamRecords,
} from '../../../lambdas/counts/count-deliveries';
import { encodeFilteredCounts } from '../../../lambdas/counts/filtered-counts';
import { NO_COUNTS } from '../../../lambdas/counts/hourly-counts-store';
import type { DeliveryStatus } from '../../../lambdas/domain/model';

const state = (status: DeliveryStatus, attemptCount: number, extra: Partial<DeliveryState> = {}): DeliveryState => ({
  accountId: 'acct_1',
  endpointId: 'ep_1',
  status,
  attemptCount,
  updatedAt: '2026-11-28T10:15:00.000Z',
  ...extra,
});

const counts = (succeeded = 0, failed = 0, failedAttempts = 0, skipped = 0, filtered = 0) => ({ succeeded, failed, failedAttempts, skipped, filtered });

describe('countChange: the writes the service and the API make', () => {
  test.each([
    // [what, before, after, expected]
    ['a first attempt that succeeded (createDelivery)', undefined, state('succeeded', 1), counts(1)],
    ['a first attempt that failed, a retry follows', undefined, state('pending', 1, { retryScheduledFor: 2 }), counts(0, 0, 1)],
    ['a first attempt that failed for good (410 Gone, or no retries)', undefined, state('failed', 1), counts(0, 1, 1)],
    ['a delivery created skipped (endpoint disabled)', undefined, state('skipped', 0), counts(0, 0, 0, 1)],
    ['a claim of the next attempt', state('pending', 1, { retryScheduledFor: 2 }), state('pending', 1, { retryScheduledFor: 2 }), NO_COUNTS],
    ['a retry that succeeded (recordAttempt)', state('pending', 1, { retryScheduledFor: 2 }), state('succeeded', 2), counts(1)],
    ['a retry that failed, another follows', state('pending', 1, { retryScheduledFor: 2 }), state('pending', 2, { retryScheduledFor: 3 }), counts(0, 0, 1)],
    ['the last retry failed', state('pending', 5, { retryScheduledFor: 6 }), state('failed', 6), counts(0, 1, 1)],
    ['a due retry skipped: endpoint disabled or deleted (closeDelivery)', state('pending', 2, { retryScheduledFor: 3 }), state('skipped', 2, { retryScheduledFor: 3 }), counts(0, 0, 0, 1)],
    ['a pending delivery closed as failed without an attempt', state('pending', 2, { retryScheduledFor: 3 }), state('failed', 2, { retryScheduledFor: 3 }), counts(0, 1)],
    ['a redelivery reopening a failed delivery', state('failed', 6), state('pending', 6, { retryScheduledFor: 7 }), NO_COUNTS],
    ['a redelivery reopening a succeeded delivery', state('succeeded', 1), state('pending', 1, { retryScheduledFor: 2 }), NO_COUNTS],
    ['a redelivery reopening a skipped delivery', state('skipped', 0), state('pending', 0, { retryScheduledFor: 1 }), NO_COUNTS],
    ['the redelivered attempt succeeded', state('pending', 6, { retryScheduledFor: 7 }), state('succeeded', 7), counts(1)],
    ['the redelivered attempt failed, a retry follows', state('pending', 6, { retryScheduledFor: 7 }), state('pending', 7, { retryScheduledFor: 8 }), counts(0, 0, 1)],
    ['a redelivery skipped because the endpoint was disabled meanwhile', state('pending', 6, { retryScheduledFor: 7 }), state('skipped', 6, { retryScheduledFor: 7 }), counts(0, 0, 0, 1)],
    ['a redelivery undone because its message could not be queued (restoreDelivery)', state('pending', 6, { retryScheduledFor: 7 }), state('failed', 6), NO_COUNTS],
    ['the same undone for a succeeded delivery', state('pending', 1, { retryScheduledFor: 2 }), state('succeeded', 1), NO_COUNTS],
    ['the same undone for a skipped delivery', state('pending', 0, { retryScheduledFor: 1 }), state('skipped', 0), NO_COUNTS],
    ['the item removed (TTL)', state('succeeded', 1), undefined, NO_COUNTS],
    ['a test send that succeeded', undefined, state('succeeded', 1, { test: true }), NO_COUNTS],
    ['a test send that failed', undefined, state('failed', 1, { test: true }), NO_COUNTS],
    ['an unchanged status with no attempt (another attribute changed)', state('succeeded', 1), state('succeeded', 1), NO_COUNTS],
  ])('%s', (_what, before, after, expected) => {
    expect(countChange(before, after)).toEqual(expected);
  });
});

describe('countChange: every status pair, with and without an attempt', () => {
  const statuses: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'skipped'];
  // Expected counts [succeeded, failed, failedAttempts, skipped] by before -> after, without and with an attempt.
  const table: Record<string, [number[], number[]]> = {
    'none -> pending': [[0, 0, 0, 0], [0, 0, 1, 0]],
    'none -> succeeded': [[1, 0, 0, 0], [1, 0, 0, 0]],
    'none -> failed': [[0, 1, 0, 0], [0, 1, 1, 0]],
    'none -> skipped': [[0, 0, 0, 1], [0, 0, 0, 1]],
    'pending -> pending': [[0, 0, 0, 0], [0, 0, 1, 0]],
    'pending -> succeeded': [[1, 0, 0, 0], [1, 0, 0, 0]],
    'pending -> failed': [[0, 1, 0, 0], [0, 1, 1, 0]],
    'pending -> skipped': [[0, 0, 0, 1], [0, 0, 0, 1]],
    'succeeded -> pending': [[0, 0, 0, 0], [0, 0, 1, 0]],
    'succeeded -> succeeded': [[0, 0, 0, 0], [0, 0, 0, 0]],
    'succeeded -> failed': [[0, 1, 0, 0], [0, 1, 1, 0]],
    'succeeded -> skipped': [[0, 0, 0, 1], [0, 0, 0, 1]],
    'failed -> pending': [[0, 0, 0, 0], [0, 0, 1, 0]],
    'failed -> succeeded': [[1, 0, 0, 0], [1, 0, 0, 0]],
    'failed -> failed': [[0, 0, 0, 0], [0, 0, 0, 0]],
    'failed -> skipped': [[0, 0, 0, 1], [0, 0, 0, 1]],
    'skipped -> pending': [[0, 0, 0, 0], [0, 0, 1, 0]],
    'skipped -> succeeded': [[1, 0, 0, 0], [1, 0, 0, 0]],
    'skipped -> failed': [[0, 1, 0, 0], [0, 1, 1, 0]],
    'skipped -> skipped': [[0, 0, 0, 0], [0, 0, 0, 0]],
  };
  const cases = [undefined, ...statuses].flatMap((before) =>
    statuses.flatMap((after) => [false, true].map((attempted) => ({ before, after, attempted }))),
  );

  test('the table covers every pair', () => {
    expect(cases).toHaveLength(Object.keys(table).length * 2);
  });

  test.each(cases)('$before -> $after, attempt recorded: $attempted', ({ before, after, attempted }) => {
    const [without, withAttempt] = table[`${before ?? 'none'} -> ${after}`]!;
    const [succeeded, failed, failedAttempts, skipped] = attempted ? withAttempt : without;
    // Retry markers on both sides, so none of these is mistaken for an undone redelivery.
    const previous = before ? state(before, 3, { retryScheduledFor: 4 }) : undefined;
    const next = state(after, attempted ? 4 : before ? 3 : 0, { retryScheduledFor: 4 });
    expect(countChange(previous, next)).toEqual({ succeeded, failed, failedAttempts, skipped, filtered: 0 });
  });

  test('a test send counts nothing, whatever the change', () => {
    for (const { before, after, attempted } of cases) {
      const previous = before ? state(before, 3, { test: true }) : undefined;
      expect(countChange(previous, state(after, attempted ? 4 : 3, { test: true }))).toEqual(NO_COUNTS);
    }
  });
});

/** A delivery item's stream image as DynamoDB writes it, with a deflated doc the rules never read. */
function image(value: DeliveryState): Record<string, unknown> {
  return { ...marshall({ pk: 'DELIVERY#dlv_x', sk: 'DELIVERY', eventId: 'click:1', eventType: 'click', ...value }, { removeUndefinedValues: true }), doc: { B: '!!not base64, not deflated!!' } };
}

let sequence = 100;
function record(before: DeliveryState | undefined, after: DeliveryState | undefined, extra: { pk?: string; sequenceNumber?: string; createdSeconds?: number } = {}): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: `e${sequence}`,
    eventName: !before ? 'INSERT' : after ? 'MODIFY' : 'REMOVE',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { pk: { S: extra.pk ?? 'DELIVERY#dlv_x' }, sk: { S: 'DELIVERY' } },
      ...(after ? { NewImage: image(after) as never } : {}),
      ...(before ? { OldImage: image(before) as never } : {}),
      SequenceNumber: extra.sequenceNumber ?? String(sequence).padStart(21, '0'),
      ...(extra.createdSeconds !== undefined ? { ApproximateCreationDateTime: extra.createdSeconds } : {}),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('deliveryStateOf', () => {
  test('reads only the rules\' attributes; the doc is never decoded', () => {
    expect(deliveryStateOf(image(state('pending', 2, { retryScheduledFor: 3 })))).toEqual(state('pending', 2, { retryScheduledFor: 3 }));
  });

  test('an attemptCount that is absent is 0; an image that is not a delivery is undefined', () => {
    const { attemptCount: _absent, ...noCount } = image(state('skipped', 0));
    expect(deliveryStateOf(noCount)).toMatchObject({ status: 'skipped', attemptCount: 0 });
    expect(deliveryStateOf(undefined)).toBeUndefined();
    expect(deliveryStateOf(marshall({ pk: 'ENDPOINT#a#b', status: 'active', accountId: 'a', endpointId: 'b' }))).toBeUndefined();
    expect(deliveryStateOf({ ...image(state('pending', 1)), attemptCount: { S: 'one' } })).toBeUndefined();
    expect(deliveryStateOf({ ...image(state('pending', 1)), status: { BOOL: true } })).toBeUndefined();
  });
});

describe('sumStreamRecords', () => {
  const hour = (iso: string) => new Date(iso);

  test('sums a batch per endpoint and hour, from the new image\'s updatedAt', () => {
    const at = (time: string) => ({ updatedAt: time });
    const records = [
      record(undefined, state('succeeded', 1, at('2026-11-28T10:01:00Z'))),
      record(undefined, state('succeeded', 1, at('2026-11-28T10:59:59.999Z'))),
      record(undefined, state('pending', 1, { ...at('2026-11-28T10:30:00Z'), retryScheduledFor: 2 })),
      record(state('pending', 1, { retryScheduledFor: 2 }), state('pending', 1, { retryScheduledFor: 2 })), // a claim
      record(state('pending', 5, { retryScheduledFor: 6 }), state('failed', 6, at('2026-11-28T11:00:00Z'))),
      record(undefined, state('skipped', 0, { ...at('2026-11-28T10:20:00Z'), endpointId: 'ep_2' })),
      record(undefined, state('succeeded', 1, { ...at('2026-11-28T10:20:00Z'), accountId: 'acct_2' })),
    ];
    const { sums, counted, unreadable } = sumStreamRecords(records);
    expect(unreadable).toEqual([]);
    expect(counted).toBe(6);
    const byKey = Object.fromEntries(sums.map((sum) => [`${sum.accountId}/${sum.endpointId}/${sum.hour.toISOString()}`, sum.counts]));
    expect(byKey).toEqual({
      'acct_1/ep_1/2026-11-28T10:00:00.000Z': counts(2, 0, 1, 0),
      'acct_1/ep_1/2026-11-28T11:00:00.000Z': counts(0, 1, 1, 0),
      'acct_1/ep_2/2026-11-28T10:00:00.000Z': counts(0, 0, 0, 1),
      'acct_2/ep_1/2026-11-28T10:00:00.000Z': counts(1, 0, 0, 0),
    });
    expect(sums.find((sum) => sum.endpointId === 'ep_2')?.hour).toEqual(hour('2026-11-28T10:00:00Z'));
  });

  test('each sum names its earliest record, by numeric sequence order', () => {
    const records = [
      record(undefined, state('succeeded', 1), { sequenceNumber: '900' }),
      record(undefined, state('succeeded', 1), { sequenceNumber: '1000' }),
      record(undefined, state('succeeded', 1), { sequenceNumber: '0000850' }),
    ];
    expect(sumStreamRecords(records).sums.map((sum) => sum.firstSequenceNumber)).toEqual(['0000850']);
  });

  test('skips items that are not deliveries, removals and changes that count nothing', () => {
    const records = [
      record(undefined, state('succeeded', 1), { pk: 'LOG#acct_1#3' }),
      record(undefined, state('succeeded', 1), { pk: 'ENDPOINT#acct_1#ep_1' }),
      record(state('succeeded', 1), undefined),
      record(state('succeeded', 1), state('succeeded', 1)),
      record(undefined, state('succeeded', 1, { test: true })),
    ];
    expect(sumStreamRecords(records)).toEqual({ sums: [], counted: 0, unreadable: [] });
  });

  test('reports a delivery record it cannot read instead of guessing', () => {
    const broken = record(undefined, state('succeeded', 1), { sequenceNumber: '777' });
    (broken.dynamodb!.NewImage as Record<string, unknown>).status = { S: 'exploded' };
    expect(sumStreamRecords([broken])).toEqual({ sums: [], counted: 0, unreadable: ['777'] });
  });

  test('without a readable updatedAt the hour is the record\'s own time', () => {
    const records = [record(undefined, state('succeeded', 1, { updatedAt: 'yesterday-ish' }), { createdSeconds: Date.parse('2026-11-28T07:45:00Z') / 1000 })];
    expect(sumStreamRecords(records).sums[0]?.hour).toEqual(hour('2026-11-28T07:00:00Z'));
  });
});

/** A log page's stream record as the dispatcher's putLogPage makes it: its lines, and `filtered` when given. */
function page(
  filtered: Record<string, number> | undefined,
  extra: { eventName?: 'INSERT' | 'MODIFY' | 'REMOVE'; at?: string; accountId?: string; sequenceNumber?: string; createdSeconds?: number; filteredText?: string } = {},
): DynamoDBRecord {
  sequence += 1;
  const key = keys.logPage(extra.accountId ?? 'acct_1', 5, `${extra.at ?? '2026-11-28T10:15:00.000Z'}#a1b2c3d4e5f6`);
  const text = extra.filteredText ?? (filtered ? encodeFilteredCounts(new Map(Object.entries(filtered))) : undefined);
  const item = marshall({ ...key, entries: 'dlv_1 ep_1 click 1 1', expiresAt: 1_800_000_000, ...(text === undefined ? {} : { filtered: text }) });
  const eventName = extra.eventName ?? 'INSERT';
  return {
    eventID: `e${sequence}`,
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: marshall(key) as never,
      ...(eventName === 'REMOVE' ? {} : { NewImage: item as never }),
      ...(eventName === 'INSERT' ? {} : { OldImage: item as never }),
      SequenceNumber: extra.sequenceNumber ?? String(sequence).padStart(21, '0'),
      ...(extra.createdSeconds !== undefined ? { ApproximateCreationDateTime: extra.createdSeconds } : {}),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('log pages: events an endpoint\'s filter left out', () => {
  test('a page\'s insert counts each endpoint it names as filtered, in the hour of the page\'s time', () => {
    const records = [
      page({ ep_1: 3, ep_2: 1 }, { at: '2026-11-28T10:59:59.999Z' }),
      page({ ep_1: 2 }, { at: '2026-11-28T11:00:00.000Z' }),
      page({ ep_1: 1 }, { at: '2026-11-28T10:05:00.000Z', accountId: 'acct_2' }),
      record(undefined, state('succeeded', 1, { updatedAt: '2026-11-28T10:30:00Z' })),
    ];
    const { sums, counted, unreadable } = sumStreamRecords(records);
    expect({ counted, unreadable }).toEqual({ counted: 4, unreadable: [] });
    const byKey = Object.fromEntries(sums.map((sum) => [`${sum.accountId}/${sum.endpointId}/${sum.hour.toISOString()}`, sum.counts]));
    expect(byKey).toEqual({
      'acct_1/ep_1/2026-11-28T10:00:00.000Z': counts(1, 0, 0, 0, 3),
      'acct_1/ep_2/2026-11-28T10:00:00.000Z': counts(0, 0, 0, 0, 1),
      'acct_1/ep_1/2026-11-28T11:00:00.000Z': counts(0, 0, 0, 0, 2),
      'acct_2/ep_1/2026-11-28T10:00:00.000Z': counts(0, 0, 0, 0, 1),
    });
  });

  test('a sum of a page and a delivery names the earlier record', () => {
    const records = [
      record(undefined, state('succeeded', 1), { sequenceNumber: '900' }),
      page({ ep_1: 4 }, { sequenceNumber: '850' }),
    ];
    expect(sumStreamRecords(records).sums).toEqual([expect.objectContaining({ endpointId: 'ep_1', counts: counts(1, 0, 0, 0, 4), firstSequenceNumber: '850' })]);
  });

  test('counts nothing for a page without filtered counts, nor for a change or removal of one with them', () => {
    const records = [page(undefined), page({ ep_1: 3 }, { eventName: 'MODIFY' }), page({ ep_1: 3 }, { eventName: 'REMOVE' })];
    expect(records.map(logPageCountsOf)).toEqual([undefined, undefined, undefined]);
    expect(sumStreamRecords(records)).toEqual({ sums: [], counted: 0, unreadable: [] });
  });

  test('reads the account from the key and the time from the sort key', () => {
    expect(logPageCountsOf(page({ ep_1: 3, ep_2: 2 }, { accountId: 'acct_x', at: '2026-11-28T10:15:00.000Z' }))).toEqual({
      accountId: 'acct_x',
      at: '2026-11-28T10:15:00.000Z',
      filtered: new Map([['ep_1', 3], ['ep_2', 2]]),
    });
  });

  test('a page whose sort key holds no time is counted in the hour of the record', () => {
    const odd = page({ ep_1: 1 }, { createdSeconds: Date.parse('2026-11-28T07:45:00Z') / 1000 });
    odd.dynamodb!.Keys!.sk = { S: 'no time here' };
    expect(sumStreamRecords([odd]).sums[0]).toMatchObject({ hour: new Date('2026-11-28T07:00:00Z'), counts: counts(0, 0, 0, 0, 1) });
  });

  test('reports a page whose counts it cannot read instead of guessing', () => {
    const broken = [
      page(undefined, { filteredText: 'ep_1 three', sequenceNumber: '701' }),
      page(undefined, { filteredText: 'ep_1 0', sequenceNumber: '702' }),
      page(undefined, { filteredText: '', sequenceNumber: '703' }),
    ];
    const numbered = page({ ep_1: 1 }, { sequenceNumber: '704' });
    (numbered.dynamodb!.NewImage as Record<string, unknown>).filtered = { N: '1' };
    const noAccount = page({ ep_1: 1 }, { sequenceNumber: '705' });
    noAccount.dynamodb!.Keys!.pk = { S: 'LOG#acct_1' };
    expect(sumStreamRecords([...broken, numbered, noAccount])).toEqual({ sums: [], counted: 0, unreadable: ['701', '702', '703', '704', '705'] });
  });
});

test('compareSequenceNumbers orders decimal strings of any length numerically', () => {
  expect(['10', '9', '000000000000000000011', '100000000000000000000000001'].sort(compareSequenceNumbers)).toEqual([
    '9',
    '10',
    '000000000000000000011',
    '100000000000000000000000001',
  ]);
  expect(compareSequenceNumbers('0005', '5')).toBe(0);
});
