import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  maxJitterSeconds,
  parseRetryAfter,
  parseRetrySchedule,
  planRetry,
} from '../../../lambdas/domain/retry-policy';

const NOW = new Date('2026-02-25T14:30:00Z');
/** The schedule's own delays: the jitter has a test of its own. */
const NO_JITTER = () => 0;

describe('parseRetrySchedule', () => {
  it('defaults to the guide schedule: 1 min, 5 min, 30 min, 2 h, 8 h', () => {
    expect(DEFAULT_RETRY_SCHEDULE_SECONDS).toEqual([60, 300, 1800, 7200, 28800]);
    expect(parseRetrySchedule(undefined)).toEqual([60, 300, 1800, 7200, 28800]);
    expect(parseRetrySchedule('')).toEqual([60, 300, 1800, 7200, 28800]);
    expect(parseRetrySchedule('   ')).toEqual([60, 300, 1800, 7200, 28800]);
  });

  it('reads a comma list with spaces', () => {
    expect(parseRetrySchedule('1, 2,3 ,  1000')).toEqual([1, 2, 3, 1000]);
    expect(parseRetrySchedule('60,300,1800,7200,28800')).toEqual([...DEFAULT_RETRY_SCHEDULE_SECONDS]);
  });

  it.each(['0', '-5', '1.5', 'abc', '1,,2', '1,', ',1', '1;2', '1e3', '0x10'])('refuses %p', (value) => {
    expect(() => parseRetrySchedule(value)).toThrow(/comma-separated list of positive whole seconds/);
  });

  it('allows 20 entries and refuses 21', () => {
    expect(parseRetrySchedule(Array(20).fill('1').join(','))).toHaveLength(20);
    expect(() => parseRetrySchedule(Array(21).fill('1').join(','))).toThrow(/at most 20/);
  });

  it('allows one year and refuses longer', () => {
    expect(parseRetrySchedule('31536000')).toEqual([31536000]);
    expect(() => parseRetrySchedule('31536001')).toThrow(/longer than one year/);
  });
});

describe('planRetry', () => {
  const schedule = DEFAULT_RETRY_SCHEDULE_SECONDS;

  it.each([
    [1, 2, 60],
    [2, 3, 300],
    [3, 4, 1800],
    [4, 5, 7200],
    [5, 6, 28800],
  ] as const)('after attempt %i fails, attempt %i follows in %i s', (failed, next, delay) => {
    expect(planRetry(schedule, failed, NOW, undefined, NO_JITTER)).toEqual({
      kind: 'retry',
      attempt: next,
      delaySeconds: delay,
      at: new Date(NOW.getTime() + delay * 1000),
    });
  });

  it('jitters each retry later by 0 to 10% of its delay, in whole seconds, never earlier', () => {
    const delays = (failed: number) => Array.from({ length: 1000 }, (_, i) => (planRetry(schedule, failed, NOW, undefined, () => (i + 0.5) / 1000) as { delaySeconds: number }).delaySeconds);
    const minute = delays(1);
    expect(Math.min(...minute)).toBe(60);
    expect(Math.max(...minute)).toBe(66);
    expect(new Set(minute)).toEqual(new Set([60, 61, 62, 63, 64, 65, 66]));
    const eightHours = delays(5);
    expect(Math.min(...eightHours)).toBeGreaterThanOrEqual(28_800);
    expect(Math.min(...eightHours)).toBeLessThan(28_800 + 10);
    expect(planRetry(schedule, 5, NOW, undefined, NO_JITTER)).toMatchObject({ delaySeconds: 28_800 });
    expect(Math.max(...eightHours)).toBeGreaterThan(28_800 + 2_870);
    expect(Math.max(...eightHours)).toBeLessThanOrEqual(28_800 + 2_880);
    expect(planRetry(schedule, 1, NOW, undefined, () => 0.99999)).toEqual({ kind: 'retry', attempt: 2, delaySeconds: 66, at: new Date(NOW.getTime() + 66_000) });
    // Jittered on the delay a Retry-After chose; short delays (tests' schedules) are not jittered.
    expect(planRetry(schedule, 1, NOW, 120, () => 0.99999)).toMatchObject({ delaySeconds: 132 });
    expect(planRetry([1, 2, 9], 3, NOW, undefined, () => 0.99999)).toMatchObject({ delaySeconds: 9 });
    expect(planRetry([1, 2, 10], 3, NOW, undefined, () => 0.99999)).toMatchObject({ delaySeconds: 11 });
    expect(maxJitterSeconds(60)).toBe(6);
  });

  it('gives up after the 5th retry (attempt 6) fails', () => {
    expect(planRetry(schedule, 6, NOW, undefined, NO_JITTER)).toEqual({ kind: 'give-up' });
    expect(planRetry(schedule, 7, NOW, undefined, NO_JITTER)).toEqual({ kind: 'give-up' });
  });

  it('honours a longer Retry-After', () => {
    expect(planRetry(schedule, 1, NOW, 120, NO_JITTER)).toMatchObject({ delaySeconds: 120 });
    expect(planRetry(schedule, 1, NOW, 119.2, NO_JITTER)).toMatchObject({ delaySeconds: 120 });
  });

  it('never shortens the schedule for a short Retry-After', () => {
    expect(planRetry(schedule, 2, NOW, 5, NO_JITTER)).toMatchObject({ delaySeconds: 300 });
    expect(planRetry(schedule, 2, NOW, 0, NO_JITTER)).toMatchObject({ delaySeconds: 300 });
  });

  it('caps Retry-After at the longest scheduled delay', () => {
    expect(planRetry(schedule, 1, NOW, 10 * 86400, NO_JITTER)).toMatchObject({ delaySeconds: 28800 });
    expect(planRetry([1, 2, 3], 1, NOW, 3600, NO_JITTER)).toMatchObject({ delaySeconds: 3 });
  });

  it('ignores a non-finite Retry-After', () => {
    expect(planRetry(schedule, 1, NOW, Number.NaN, NO_JITTER)).toMatchObject({ delaySeconds: 60 });
  });

  it('still gives up when Retry-After is present', () => {
    expect(planRetry(schedule, 6, NOW, 60, NO_JITTER)).toEqual({ kind: 'give-up' });
  });

  it('gives up at once with an empty schedule', () => {
    expect(planRetry([], 1, NOW)).toEqual({ kind: 'give-up' });
  });

  it.each([0, -1, 1.5])('refuses failedAttempt %p', (failed) => {
    expect(() => planRetry(schedule, failed, NOW, undefined, NO_JITTER)).toThrow(RangeError);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads an IMF-fixdate', () => {
    expect(parseRetryAfter('Wed, 25 Feb 2026 14:32:00 GMT', NOW)).toBe(120);
  });

  it('reads the obsolete RFC 850 and asctime forms', () => {
    expect(parseRetryAfter('Wednesday, 25-Feb-26 14:35:00 GMT', NOW)).toBe(300);
    expect(parseRetryAfter('Wed Feb 25 14:31:00 2026', NOW)).toBe(60);
    expect(parseRetryAfter('Sun Mar  1 14:30:00 2026', NOW)).toBe(4 * 86400);
  });

  it('rounds a partial second up', () => {
    expect(parseRetryAfter('Wed, 25 Feb 2026 14:30:01 GMT', new Date('2026-02-25T14:30:00.500Z'))).toBe(1);
  });

  it('answers 0 for a date in the past', () => {
    expect(parseRetryAfter('Wed, 25 Feb 2026 14:00:00 GMT', NOW)).toBe(0);
  });

  it.each([undefined, '', 'soon', '-5', '1.5', '2026-02-25T14:32:00Z', 'Wed, 31 Feb 2026 14:32:00 GMT', 'Wed, 25 Feb 2026 25:00:00 GMT', 'Wed, 25 Feb 2026 14:32:00 PST', '99999999999999999999'])(
    'answers undefined for %p',
    (header) => {
      expect(parseRetryAfter(header, NOW)).toBeUndefined();
    },
  );
});
