import {
  allAnsweredAt,
  gapSummary,
  latencySummary,
  maxInSlidingWindow,
  retryGapsMs,
  type TenantFigures,
  tenantTargets,
} from '../../../chaos/tenant-metrics';
import { requestsAnswered } from './received-requests';

const request = requestsAnswered({ status: 200, answer: 'ok' });

const gaps = (measured: number, minS: number, p10S: number, p90S: number) => ({ measured, minS, p10S, p50S: (p10S + p90S) / 2, p90S, maxS: p90S });

const figures: TenantFigures = {
  quietP99MsBaseline: 900,
  quietP99MsSlowBurst: 1500,
  quietP99MsFastBurst: 2500,
  noisyDelivered: 6000,
  noisyExpected: 6000,
  lost: 0,
  rateLimit: 20,
  rateLimitedExpected: 600,
  rateLimitedDelivered: 600,
  rateLimitedMaxIn1s: 24,
  firstRetrySeconds: 60,
  retryExpected: 200,
  retryGaps: gaps(200, 59.5, 60.5, 65.2),
};

describe('tenants run metrics', () => {
  describe('maxInSlidingWindow', () => {
    it('is 0 for no requests and 1 for one', () => {
      expect(maxInSlidingWindow([], 1000)).toBe(0);
      expect(maxInSlidingWindow([5], 1000)).toBe(1);
    });

    it('finds the busiest window wherever it starts, not only on whole seconds', () => {
      // 20 in [0, 950], then 20 in [1500, 2450]: the window [950, 1950) holds 1 + 10 = 11; each burst holds 20.
      const times = [...Array.from({ length: 20 }, (_, i) => i * 50), ...Array.from({ length: 20 }, (_, i) => 1500 + i * 50)];
      expect(maxInSlidingWindow(times, 1000)).toBe(20);
      // Across a second boundary: 12 at 0.6-0.99 s and 12 at 1.0-1.39 s fall in one window of 1 s.
      const straddling = [...Array.from({ length: 12 }, (_, i) => 600 + i * 30), ...Array.from({ length: 12 }, (_, i) => 1000 + i * 30)];
      expect(maxInSlidingWindow(straddling, 1000)).toBe(24);
    });

    it('takes the window as half-open: two requests exactly 1 s apart are not in one window', () => {
      expect(maxInSlidingWindow([0, 1000], 1000)).toBe(1);
      expect(maxInSlidingWindow([0, 999], 1000)).toBe(2);
    });

    it('does not need the times sorted, and counts equal times', () => {
      expect(maxInSlidingWindow([3000, 10, 2500, 10, 2999, 10], 1000)).toBe(3);
    });
  });

  describe('allAnsweredAt', () => {
    it('is the latest first 2xx answer, and undefined while one delivery has none', () => {
      const requests = [
        request('a', 1, 1000, { endedAt: 1200 }),
        request('b', 1, 1000, { status: 500, answer: 'status', endedAt: 1010 }),
        request('a', 2, 5000, { endedAt: 5100 }),
      ];
      expect(allAnsweredAt(requests, ['a', 'b'])).toBeUndefined();
      requests.push(request('b', 2, 3000, { endedAt: 3050 }));
      // a's first 2xx ended at 1200 (its second is a duplicate); b's at 3050.
      expect(allAnsweredAt(requests, ['a', 'b'])).toBe(3050);
      expect(allAnsweredAt(requests, [])).toBe(Number.NEGATIVE_INFINITY);
    });

    it('does not count a hung or reset request as answered', () => {
      expect(allAnsweredAt([request('a', 1, 0, { answer: 'hung' })], ['a'])).toBeUndefined();
      expect(allAnsweredAt([request('a', 1, 0, { answer: 'reset' })], ['a'])).toBeUndefined();
    });
  });

  describe('retryGapsMs', () => {
    it('measures from the end of attempt 1 to the arrival of attempt 2, per delivery', () => {
      const requests = [
        request('a', 1, 1000, { endedAt: 1020, status: 500, answer: 'status' }),
        request('a', 2, 62_020),
        request('b', 1, 2000, { endedAt: 2005, status: 500, answer: 'status' }),
        request('b', 2, 67_005),
        // c never came back: no gap.
        request('c', 1, 3000, { endedAt: 3010, status: 500, answer: 'status' }),
      ];
      expect(retryGapsMs(requests).sort((x, y) => x - y)).toEqual([61_000, 65_000]);
    });

    it('takes the last attempt 1 before the first attempt 2 (a redelivered first attempt)', () => {
      const requests = [
        request('a', 1, 1000, { endedAt: 1010, status: 500, answer: 'status' }),
        request('a', 1, 4000, { endedAt: 4010, status: 500, answer: 'status' }),
        request('a', 2, 64_010),
        request('a', 2, 70_000),
      ];
      expect(retryGapsMs(requests)).toEqual([60_000]);
    });
  });

  describe('latencySummary', () => {
    it('gives p50, p99 and max of publish to arrival', () => {
      const events = Array.from({ length: 100 }, (_, i) => ({ putAt: i * 1000, arrivedAt: i * 1000 + 50 + i }));
      const summary = latencySummary(events, 1_000_000);
      expect(summary).toEqual({ samples: 100, notReceived: 0, p50Ms: 99, p99Ms: 148, maxMs: 149 });
    });

    it('counts an event that never arrived at its wait so far, a lower bound', () => {
      const summary = latencySummary([{ putAt: 0, arrivedAt: 100 }, { putAt: 1000 }], 61_000);
      expect(summary.notReceived).toBe(1);
      expect(summary.maxMs).toBe(60_000);
      expect(summary.p99Ms).toBe(60_000);
    });

    it('is all zeros without events', () => {
      expect(latencySummary([], 0)).toEqual({ samples: 0, notReceived: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 });
    });
  });

  describe('gapSummary', () => {
    it('gives min, p10, p50, p90 and max in seconds', () => {
      // 61 gaps: 60.000 s, 60.100 s, ... 66.000 s.
      const gapsMs = Array.from({ length: 61 }, (_, i) => 60_000 + i * 100);
      expect(gapSummary(gapsMs)).toEqual({ measured: 61, minS: 60, p10S: 60.6, p50S: 63, p90S: 65.4, maxS: 66 });
    });

    it('is all zeros when nothing was measured', () => {
      expect(gapSummary([])).toEqual({ measured: 0, minS: 0, p10S: 0, p50S: 0, p90S: 0, maxS: 0 });
    });
  });

  describe('tenantTargets', () => {
    it('meets every target at the bounds', () => {
      const targets = tenantTargets(figures);
      expect(targets).toEqual({
        quiet_p99_ms_limit: 2500,
        quiet_slow_burst: true,
        quiet_fast_burst: true,
        noisy_all_delivered_none_lost: true,
        rate_limited_max_in_1s_limit: 24,
        rate_limit: true,
        retry_jitter: true,
        all: true,
      });
    });

    it('allows twice the baseline when that is more than 2.5 s', () => {
      const targets = tenantTargets({ ...figures, quietP99MsBaseline: 2000, quietP99MsSlowBurst: 4000, quietP99MsFastBurst: 4001 });
      expect(targets.quiet_p99_ms_limit).toBe(4000);
      expect(targets.quiet_slow_burst).toBe(true);
      expect(targets.quiet_fast_burst).toBe(false);
      expect(targets.all).toBe(false);
    });

    it('fails on a lost delivery or one noisy delivery short', () => {
      expect(tenantTargets({ ...figures, lost: 1 }).noisy_all_delivered_none_lost).toBe(false);
      expect(tenantTargets({ ...figures, noisyDelivered: 5999 }).noisy_all_delivered_none_lost).toBe(false);
    });

    it('fails the rate limit on 25 in a second or a delivery short', () => {
      expect(tenantTargets({ ...figures, rateLimitedMaxIn1s: 25 }).rate_limit).toBe(false);
      expect(tenantTargets({ ...figures, rateLimitedDelivered: 599 }).rate_limit).toBe(false);
    });

    it('fails the jitter on an early retry, too little spread, or retries not all measured', () => {
      expect(tenantTargets({ ...figures, retryGaps: gaps(200, 59.4, 60.5, 65.2) }).retry_jitter).toBe(false);
      expect(tenantTargets({ ...figures, retryGaps: gaps(200, 60, 60.5, 63.4) }).retry_jitter).toBe(false);
      expect(tenantTargets({ ...figures, retryGaps: gaps(200, 60, 60.5, 63.5) }).retry_jitter).toBe(true);
      expect(tenantTargets({ ...figures, retryGaps: gaps(199, 60, 60.5, 65.2) }).retry_jitter).toBe(false);
    });
  });
});
