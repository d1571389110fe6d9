import {
  checkRetrySchedule,
  heldUntil,
  countDuplicates,
  type EndpointRecord,
  realTimeWhenClockReaches,
  scheduledDelaySeconds,
  sentWhileDisabled,
} from '../../../chaos/metrics';
import { requestsAnswered } from './received-requests';

const request = requestsAnswered({ status: 503, answer: 'status' });
const rules = { retrySchedule: [1, 2, 3, 4, 901], sqsMaxDelaySeconds: 900, slackMs: 5000, earlyToleranceMs: 50 };

describe('chaos metrics', () => {
  it('bounds Retry-After by the scheduled delay and the longest one', () => {
    expect(scheduledDelaySeconds([1, 2, 3], 1)).toBe(1);
    expect(scheduledDelaySeconds([1, 2, 3], 1, 2)).toBe(2);
    expect(scheduledDelaySeconds([1, 2, 3], 2, 60)).toBe(3);
    expect(scheduledDelaySeconds([1, 2, 3], 4)).toBeUndefined();
  });

  it('finds when an advanced clock reaches a time', () => {
    expect(realTimeWhenClockReaches(10_000, [])).toBe(10_000);
    // At 5 s the clock jumps 100 s ahead: a target of 50 s is reached at the jump, 200 s at 100 s.
    expect(realTimeWhenClockReaches(50_000, [{ at: 5000, ms: 100_000 }])).toBe(5000);
    expect(realTimeWhenClockReaches(200_000, [{ at: 5000, ms: 100_000 }])).toBe(100_000);
    expect(realTimeWhenClockReaches(3000, [{ at: 5000, ms: 100_000 }])).toBe(3000);
  });

  it("counts a retry within its jitter (up to 10% of the delay later) as on schedule, and past it as late", () => {
    const schedule = { ...rules, retrySchedule: [60] };
    const record = (secondRequestAt: number): EndpointRecord => ({ endpointId: 'ep', scenario: 'flaky-5xx', requests: [request('a', 1, 0), request('a', 2, secondRequestAt)] });
    // Due 60 s after the first answer ended (10 ms): up to 6 s of jitter plus the 5 s slack.
    expect(checkRetrySchedule([record(10 + 66_000 + 4_000)], schedule, [], [])).toMatchObject({ checked: 1, early: 0, late: 0 });
    expect(checkRetrySchedule([record(10 + 66_000 + 6_000)], schedule, [], [])).toMatchObject({ checked: 1, late: 1 });
    expect(checkRetrySchedule([record(10 + 59_000)], schedule, [], [])).toMatchObject({ early: 1 });
  });

  it('counts retries that come early, on time and late, and the Retry-After case', () => {
    const endpoint: EndpointRecord = {
      endpointId: 'ep',
      scenario: 'flaky-5xx',
      requests: [
        request('a', 1, 0),
        request('a', 2, 1010 + 300), // due at 10 + 1000: on time
        request('b', 1, 0),
        request('b', 2, 500), // early
        request('c', 1, 0, { status: 429, retryAfterSeconds: 3 }),
        request('c', 2, 1500), // due at 3010: early
        request('d', 1, 0),
        request('d', 2, 20_000), // late
      ],
    };
    const check = checkRetrySchedule([endpoint], rules, [], []);
    expect(check).toMatchObject({ checked: 4, early: 2, late: 1, lateAcrossDisruption: 0 });
    // Due well before the kill (more than the slack): the dead worker cannot have held it, so it stays late.
    expect(checkRetrySchedule([endpoint], rules, [{ kind: 'kill', at: 7000, until: 40_000 }], [])).toMatchObject({ late: 1, lateAcrossDisruption: 1, heldByKilledWorker: 0 });
    // Due while the killed worker's messages were held, and here within the slack after their release: excused.
    expect(checkRetrySchedule([endpoint], rules, [{ kind: 'kill', at: 900, until: 18_000 }], [])).toMatchObject({ late: 0, heldByKilledWorker: 1 });
    // Held, but later than the slack after the release: late.
    expect(checkRetrySchedule([endpoint], rules, [{ kind: 'kill', at: 900, until: 10_000 }], [])).toMatchObject({ late: 1, heldByKilledWorker: 0 });
    // Released by the kill, then caught by the restart that came within the slack of that release: held by both, excused.
    const chained = [{ kind: 'kill' as const, at: 900, until: 10_000 }, { kind: 'restart' as const, at: 12_000, until: 16_000 }];
    expect(checkRetrySchedule([endpoint], rules, chained, [])).toMatchObject({ late: 0, heldByKilledWorker: 1 });
    // A later restart, well after the release, does not excuse it.
    expect(checkRetrySchedule([endpoint], rules, [chained[0]!, { kind: 'restart', at: 16_000, until: 19_000 }], [])).toMatchObject({ late: 1 });
  });

  it('follows a held message from one disruption to the next that catches it', () => {
    const kill = { kind: 'kill' as const, at: 1000, until: 35_000 };
    const restart = { kind: 'restart' as const, at: 38_000, until: 72_000 };
    expect(heldUntil(2000, [restart, kill], 5000)).toBe(72_000);
    expect(heldUntil(2000, [kill], 5000)).toBe(35_000);
    expect(heldUntil(-5000, [kill, restart], 5000)).toBeUndefined();
    expect(heldUntil(2000, [kill, { kind: 'restart', at: 41_000, until: 80_000 }], 5000)).toBe(35_000);
  });

  it('counts 2xx answered twice, and attempts after disabledAt plus slack', () => {
    const endpoint: EndpointRecord = {
      endpointId: 'ep',
      scenario: 'gone-410',
      disabledAt: 10_000,
      requests: [
        request('a', 1, 1000, { answer: 'ok', status: 200 }),
        request('a', 1, 2000, { answer: 'ok', status: 200 }),
        request('b', 1, 10_500),
        request('c', 1, 11_500),
      ],
    };
    expect(countDuplicates([endpoint], [{ kind: 'kill', at: 1500, until: 3000 }], 5000)).toMatchObject({ duplicates: 1, explainedByDisruption: 1 });
    // The log holds one success for two 2xx answers: one send was never recorded.
    expect(countDuplicates([endpoint], [], 5000, new Map([['a', 1]]))).toEqual({ duplicates: 1, explainedByDisruption: 0, unrecordedSend: 1, recordedTwice: 0 });
    expect(countDuplicates([endpoint], [], 5000, new Map([['a', 2]]))).toEqual({ duplicates: 1, explainedByDisruption: 0, unrecordedSend: 0, recordedTwice: 1 });
    expect(sentWhileDisabled([endpoint], 1000)).toEqual({ count: 1, byScenario: { 'gone-410': 1 } });
  });
});
