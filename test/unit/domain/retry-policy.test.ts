import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  parseRetryAfter,
  parseRetrySchedule,
  planRetry,
} from '../../../lambdas/domain/retry-policy';

const NOW = new Date('2026-02-25T14:30:00Z');

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
    expect(planRetry(schedule, failed, NOW)).toEqual({
      kind: 'retry',
      attempt: next,
      delaySeconds: delay,
      at: new Date(NOW.getTime() + delay * 1000),
    });
  });

  it('gives up after the 5th retry (attempt 6) fails', () => {
    expect(planRetry(schedule, 6, NOW)).toEqual({ kind: 'give-up' });
    expect(planRetry(schedule, 7, NOW)).toEqual({ kind: 'give-up' });
  });

  it('honours a longer Retry-After', () => {
    expect(planRetry(schedule, 1, NOW, 120)).toMatchObject({ delaySeconds: 120 });
    expect(planRetry(schedule, 1, NOW, 119.2)).toMatchObject({ delaySeconds: 120 });
  });

  it('never shortens the schedule for a short Retry-After', () => {
    expect(planRetry(schedule, 2, NOW, 5)).toMatchObject({ delaySeconds: 300 });
    expect(planRetry(schedule, 2, NOW, 0)).toMatchObject({ delaySeconds: 300 });
  });

  it('caps Retry-After at the longest scheduled delay', () => {
    expect(planRetry(schedule, 1, NOW, 10 * 86400)).toMatchObject({ delaySeconds: 28800 });
    expect(planRetry([1, 2, 3], 1, NOW, 3600)).toMatchObject({ delaySeconds: 3 });
  });

  it('ignores a non-finite Retry-After', () => {
    expect(planRetry(schedule, 1, NOW, Number.NaN)).toMatchObject({ delaySeconds: 60 });
  });

  it('still gives up when Retry-After is present', () => {
    expect(planRetry(schedule, 6, NOW, 60)).toEqual({ kind: 'give-up' });
  });

  it('gives up at once with an empty schedule', () => {
    expect(planRetry([], 1, NOW)).toEqual({ kind: 'give-up' });
  });

  it.each([0, -1, 1.5])('refuses failedAttempt %p', (failed) => {
    expect(() => planRetry(schedule, failed, NOW)).toThrow(RangeError);
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
