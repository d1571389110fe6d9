// When to try a failed delivery again. The default is the guide's table; the schedule is
// configuration so tests and the local run can shrink it.

export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = Object.freeze([60, 300, 1800, 7200, 28800]);
export const MAX_RETRY_SCHEDULE_ENTRIES = 20;
export const MAX_RETRY_DELAY_SECONDS = 365 * 24 * 60 * 60;

/** `"60, 300,1800"` -> [60, 300, 1800]; undefined or blank -> the default. Throws on anything else. */
export function parseRetrySchedule(value: string | undefined): readonly number[] {
  if (value === undefined || value.trim() === '') return DEFAULT_RETRY_SCHEDULE_SECONDS;
  const parts = value.split(',').map((part) => part.trim());
  const invalid = parts.find((part) => !/^\d+$/.test(part) || Number(part) <= 0);
  if (invalid !== undefined) {
    throw new Error(
      `retry schedule must be a comma-separated list of positive whole seconds such as "60,300,1800"; "${invalid}" in "${value}" is not one`,
    );
  }
  if (parts.length > MAX_RETRY_SCHEDULE_ENTRIES) {
    throw new Error(`retry schedule has ${parts.length} entries; at most ${MAX_RETRY_SCHEDULE_ENTRIES} are allowed`);
  }
  const delays = parts.map(Number);
  const tooLong = delays.find((delay) => delay > MAX_RETRY_DELAY_SECONDS);
  if (tooLong !== undefined) {
    throw new Error(`retry delay ${tooLong} s is longer than one year (${MAX_RETRY_DELAY_SECONDS} s)`);
  }
  return Object.freeze(delays);
}

/**
 * Each retry is due later than its delay by a random 0 to 10% of it, in whole seconds (SQS delays
 * and Scheduler times are whole seconds), never earlier: a burst of failures then comes back spread
 * out instead of as one wave to the second. 1 min becomes 60-66 s, 8 h 8 h to 8 h 48 min; a delay
 * under 10 s gets none.
 */
export const MAX_RETRY_JITTER_FRACTION = 0.1;

/** The most a retry of this delay may be jittered by (whole seconds). */
export function maxJitterSeconds(delaySeconds: number): number {
  return Math.floor(delaySeconds * MAX_RETRY_JITTER_FRACTION);
}

/** How the next attempt is handed over (SQS or Scheduler) is the retry adapter's choice, not policy. */
export type RetryPlan = { kind: 'retry'; attempt: number; delaySeconds: number; at: Date } | { kind: 'give-up' };

/**
 * The plan after attempt `failedAttempt` failed (1 = the first try). Attempt n+1 waits
 * schedule[n-1] plus its jitter; after attempt schedule.length + 1 fails there are no more tries.
 * A Retry-After from the endpoint can lengthen the wait, never beyond the schedule's longest delay.
 * `random` (0 <= r < 1) picks the jitter.
 */
export function planRetry(
  schedule: readonly number[],
  failedAttempt: number,
  now: Date,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): RetryPlan {
  if (!Number.isInteger(failedAttempt) || failedAttempt < 1) {
    throw new RangeError(`planRetry: failedAttempt must be a positive integer, got ${failedAttempt}`);
  }
  const scheduled = schedule[failedAttempt - 1];
  if (scheduled === undefined) return { kind: 'give-up' };
  let delaySeconds = scheduled;
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds)) {
    delaySeconds = Math.min(Math.max(scheduled, Math.ceil(retryAfterSeconds)), Math.max(...schedule));
  }
  delaySeconds += Math.min(maxJitterSeconds(delaySeconds), Math.floor(random() * (maxJitterSeconds(delaySeconds) + 1)));
  return {
    kind: 'retry',
    attempt: failedAttempt + 1,
    delaySeconds,
    at: new Date(now.getTime() + delaySeconds * 1000),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms recipients must accept.
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/** Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  const date = parseHttpDate(value);
  if (date === undefined) return undefined;
  return Math.max(0, Math.ceil((date.getTime() - now.getTime()) / 1000));
}

function parseHttpDate(value: string): Date | undefined {
  let day: string | undefined;
  let month: string | undefined;
  let year: number;
  let time: (string | undefined)[];
  let match = IMF_FIXDATE.exec(value);
  if (match !== null) {
    [, day, month] = match;
    year = Number(match[3]);
    time = match.slice(4, 7);
  } else if ((match = RFC_850.exec(value)) !== null) {
    [, day, month] = match;
    const twoDigits = Number(match[3]);
    year = twoDigits < 70 ? 2000 + twoDigits : 1900 + twoDigits;
    time = match.slice(4, 7);
  } else if ((match = ASCTIME.exec(value)) !== null) {
    [, month, day] = match;
    time = match.slice(3, 6);
    year = Number(match[6]);
  } else {
    return undefined;
  }
  const [hour, minute, second] = time.map(Number) as [number, number, number];
  const monthIndex = MONTHS.indexOf(month ?? '');
  const dayOfMonth = Number(day);
  if (hour > 23 || minute > 59 || second > 60 || dayOfMonth < 1) return undefined;
  const date = new Date(Date.UTC(year, monthIndex, dayOfMonth, hour, minute, second));
  // Reject days that roll over into the next month (e.g. 31 Feb).
  return date.getUTCDate() === dayOfMonth ? date : undefined;
}
