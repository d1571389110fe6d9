import type { HourlyCount } from '../../../portal/src/api-types';
import { ARRIVING_FOR_MS, countsCoverage, coverageLabel, coverageText, isBehind, STAMP_LAG_MS, stampsKey } from '../../../portal/src/counts-coverage';

// A window of 24 hours whose last (current) hour is 14:00 to 15:00.
const FROM = '2026-11-27T15:00:00.000Z';
const at = (time: string) => `2026-11-28T${time}.000Z`;
const ms = (time: string) => Date.parse(at(time));

const row = (hour: string, counts: Partial<Omit<HourlyCount, 'endpointId' | 'hour'>> = {}, endpointId = 'ep_a'): HourlyCount => ({
  endpointId,
  hour: at(`${hour}:00:00`),
  succeeded: 0,
  failed: 0,
  failedAttempts: 0,
  skipped: 0,
  filtered: 0,
  ...counts,
});
const stats = (...data: HourlyCount[]) => ({ from: FROM, data });

test('a last success seconds ago that the counts do not hold yet: arriving, not "no attempts"', () => {
  const coverage = countsCoverage({ id: 'ep_a', lastSuccessAt: at('14:30:00') }, stats(row('13'), row('14')), { nowMs: ms('14:30:04') });
  expect(coverage).toEqual({ state: 'arriving', missing: 'success', at: at('14:30:00') });
  expect(isBehind(coverage)).toBe(true);
});

test('the counts hold the stamp once a success is counted in its hour, or a later one', () => {
  const endpoint = { id: 'ep_a', lastSuccessAt: at('13:59:59') };
  const clock = { nowMs: ms('14:00:05') };
  expect(countsCoverage(endpoint, stats(row('13', { succeeded: 1 }), row('14')), clock)).toEqual({ state: 'covered' });
  // The stamp's delivery counted in the next hour: the counts have caught up past it.
  expect(countsCoverage(endpoint, stats(row('13'), row('14', { succeeded: 2 })), clock)).toEqual({ state: 'covered' });
  // Another endpoint's success says nothing about this one.
  expect(countsCoverage(endpoint, stats(row('13', { succeeded: 5 }, 'ep_b')), clock).state).toBe('arriving');
  expect(isBehind(undefined)).toBe(false);
});

test('a delivery counted in the hour before its stamp (the batch ended after the hour turned) covers it', () => {
  const stamp = new Date(ms('14:00:00') + STAMP_LAG_MS - 1000).toISOString();
  expect(countsCoverage({ id: 'ep_a', lastSuccessAt: stamp }, stats(row('13', { succeeded: 1 }), row('14')), { nowMs: ms('14:05:00') })).toEqual({ state: 'covered' });
  // Longer after the hour turned, that hour's successes are not this stamp's.
  const later = new Date(ms('14:00:00') + STAMP_LAG_MS + 1000).toISOString();
  expect(countsCoverage({ id: 'ep_a', lastSuccessAt: later }, stats(row('13', { succeeded: 1 }), row('14')), { nowMs: ms('14:02:05') }).state).toBe('arriving');
});

test('a rate beside a newer failure that is not counted yet is behind too; the later of two missing stamps is named', () => {
  const endpoint = { id: 'ep_a', lastSuccessAt: at('14:10:00'), lastFailureAt: at('14:20:00') };
  const clock = { nowMs: ms('14:20:03') };
  // Failed attempts of a delivery still being retried are not the delivery that failed for good.
  expect(countsCoverage(endpoint, stats(row('14', { succeeded: 3, failedAttempts: 4 })), clock)).toEqual({ state: 'arriving', missing: 'failure', at: at('14:20:00') });
  expect(countsCoverage(endpoint, stats(row('14', { succeeded: 3, failed: 1, failedAttempts: 4 })), clock)).toEqual({ state: 'covered' });
  expect(countsCoverage(endpoint, stats(row('14')), clock)).toEqual({ state: 'arriving', missing: 'failure', at: at('14:20:00') });
  expect(countsCoverage({ ...endpoint, lastFailureAt: at('14:05:00') }, stats(row('14', { failed: 1 })), { nowMs: ms('14:10:03') })).toEqual({ state: 'arriving', missing: 'success', at: at('14:10:00') });
});

test('no stamps, stamps older than the window, or too close to its start to tell: nothing to contradict', () => {
  const clock = { nowMs: ms('14:30:00') };
  expect(countsCoverage({ id: 'ep_a' }, stats(), clock)).toEqual({ state: 'covered' });
  expect(countsCoverage({ id: 'ep_a', lastSuccessAt: '2026-11-20T10:00:00.000Z', lastFailureAt: '2026-11-27T14:59:00.000Z' }, stats(row('14')), clock)).toEqual({ state: 'covered' });
  const nearStart = new Date(Date.parse(FROM) + STAMP_LAG_MS - 1).toISOString();
  expect(countsCoverage({ id: 'ep_a', lastSuccessAt: nearStart }, stats(row('14')), clock)).toEqual({ state: 'covered' });
  expect(countsCoverage({ id: 'ep_a', lastSuccessAt: 'not a time' }, stats(), clock)).toEqual({ state: 'covered' });
});

test('counts that still miss the stamp minutes later are incomplete, however the browser clock is set', () => {
  const endpoint = { id: 'ep_a', lastSuccessAt: at('14:00:00') };
  const counts = stats(row('14'));
  expect(countsCoverage(endpoint, counts, { nowMs: ms('14:00:00') + ARRIVING_FOR_MS - 1 }).state).toBe('arriving');
  expect(countsCoverage(endpoint, counts, { nowMs: ms('14:00:00') + ARRIVING_FOR_MS })).toEqual({ state: 'incomplete', missing: 'success', at: at('14:00:00') });
  // A browser clock ten minutes behind the service's: the page's own wait still ends it.
  const behind = ms('13:50:00');
  expect(countsCoverage(endpoint, counts, { nowMs: behind, waitedMs: 30_000 }).state).toBe('arriving');
  expect(countsCoverage(endpoint, counts, { nowMs: behind, waitedMs: ARRIVING_FOR_MS }).state).toBe('incomplete');
});

test('what the pages say instead of a figure', () => {
  const arriving = { state: 'arriving', missing: 'success', at: at('14:00:00') } as const;
  expect(coverageLabel(arriving)).toBe('counts still arriving');
  expect(coverageText(arriving)).toBe('The last success is not in the hourly counts yet. They follow a delivery within seconds; this page checks again.');
  const incomplete = { state: 'incomplete', missing: 'failure', at: at('14:00:00') } as const;
  expect(coverageLabel(incomplete)).toBe('counts incomplete');
  expect(coverageText(incomplete)).toBe('The hourly counts still miss the last failure, minutes after it, so they are incomplete. The delivery log lists every delivery.');
});

test('stampsKey changes with any endpoint stamp, and only then', () => {
  const endpoints = [{ id: 'ep_a', lastSuccessAt: at('14:00:00') }, { id: 'ep_b' }];
  expect(stampsKey(endpoints)).toBe(stampsKey([{ ...endpoints[0]! }, { id: 'ep_b', lastSuccessAt: undefined }]));
  expect(stampsKey(endpoints)).not.toBe(stampsKey([endpoints[0]!, { id: 'ep_b', lastFailureAt: at('14:00:01') }]));
  expect(stampsKey(endpoints)).not.toBe(stampsKey([{ id: 'ep_a', lastSuccessAt: at('14:00:02') }, endpoints[1]!]));
});
