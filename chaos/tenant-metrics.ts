// The tenants run's figures (chaos/tenants.ts), computed from what its receivers recorded. Every
// definition here is spelled out in chaos/README.md, "The tenants run".
import { groupByDelivery, percentile } from './metrics';
import type { ReceivedRequest } from './receivers';

/** The most of `times` (epoch ms, any order) that fall in one window [t, t + windowMs), over every t. */
export function maxInSlidingWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/**
 * When every one of `deliveryIds` had a whole 2xx answer written (the latest of their first 2xx
 * answers, epoch ms), or undefined while one has none yet.
 */
export function allAnsweredAt(requests: readonly ReceivedRequest[], deliveryIds: Iterable<string>): number | undefined {
  const firstOk = new Map<string, number>();
  for (const request of requests) {
    if (request.answer !== 'ok') continue;
    const known = firstOk.get(request.deliveryId);
    if (known === undefined || request.endedAt < known) firstOk.set(request.deliveryId, request.endedAt);
  }
  let latest = Number.NEGATIVE_INFINITY;
  for (const deliveryId of deliveryIds) {
    const answeredAt = firstOk.get(deliveryId);
    if (answeredAt === undefined) return undefined;
    latest = Math.max(latest, answeredAt);
  }
  return latest;
}

/**
 * Per delivery that has one: from the end of attempt 1 (the last attempt 1 that arrived before it)
 * to the arrival of its first attempt 2, in ms, as the receiver saw both.
 */
export function retryGapsMs(requests: readonly ReceivedRequest[]): number[] {
  const gaps: number[] = [];
  for (const attempts of groupByDelivery(requests).values()) {
    const second = attempts.find((request) => request.attempt === 2);
    if (!second) continue;
    const first = attempts.filter((request) => request.attempt === 1 && request.receivedAt <= second.receivedAt).at(-1);
    if (first) gaps.push(second.receivedAt - first.endedAt);
  }
  return gaps;
}

export interface QuietEvent {
  /** Epoch ms the PutEvents call started. */
  readonly putAt: number;
  /** Epoch ms its first request reached the receiver; absent if none did. */
  readonly arrivedAt?: number;
}

export interface LatencySummary {
  readonly samples: number;
  /** Events that never reached the receiver: counted at `until - putAt`, a lower bound. */
  readonly notReceived: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Publish-to-arrival latency over every event; one that never arrived counts as `until - putAt`. */
export function latencySummary(events: readonly QuietEvent[], until: number): LatencySummary {
  const latencies = events.map((event) => (event.arrivedAt ?? until) - event.putAt);
  return {
    samples: events.length,
    notReceived: events.filter((event) => event.arrivedAt === undefined).length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length === 0 ? 0 : Math.max(...latencies),
  };
}

export interface GapSummary {
  readonly measured: number;
  readonly minS: number;
  readonly p10S: number;
  readonly p50S: number;
  readonly p90S: number;
  readonly maxS: number;
}

/** Retry gaps in seconds (to the ms); all 0 when none was measured. */
export function gapSummary(gapsMs: readonly number[]): GapSummary {
  const seconds = (ms: number) => Math.round(ms) / 1000;
  return {
    measured: gapsMs.length,
    minS: gapsMs.length === 0 ? 0 : seconds(Math.min(...gapsMs)),
    p10S: seconds(percentile(gapsMs, 10)),
    p50S: seconds(percentile(gapsMs, 50)),
    p90S: seconds(percentile(gapsMs, 90)),
    maxS: gapsMs.length === 0 ? 0 : seconds(Math.max(...gapsMs)),
  };
}

export interface TenantFigures {
  readonly quietP99MsBaseline: number;
  readonly quietP99MsSlowBurst: number;
  readonly quietP99MsFastBurst: number;
  readonly noisyDelivered: number;
  readonly noisyExpected: number;
  readonly lost: number;
  readonly rateLimit: number;
  readonly rateLimitedExpected: number;
  readonly rateLimitedDelivered: number;
  readonly rateLimitedMaxIn1s: number;
  /** The first retry's delay in the run's schedule. */
  readonly firstRetrySeconds: number;
  readonly retryExpected: number;
  readonly retryGaps: GapSummary;
}

/** A quiet account's p99 under a burst may be twice its p99 alone, and never needs to beat 2.5 s. */
export const QUIET_P99_FLOOR_MS = 2500;
/** A rate-limited receiver may see 20% over its limit in a sliding second (slots are per whole second). */
export const RATE_LIMIT_SLACK = 1.2;
/** A retry may be this much earlier than its delay, as the receiver measures it (timer and clock noise). */
export const RETRY_EARLY_TOLERANCE_S = 0.5;
/** Jittered retries must spread: p90 - p10 of the gaps at least this (a 60 s delay jitters 0 to 6 s). */
export const RETRY_MIN_SPREAD_S = 3;

export interface TenantTargets {
  readonly quiet_p99_ms_limit: number;
  readonly quiet_slow_burst: boolean;
  readonly quiet_fast_burst: boolean;
  readonly noisy_all_delivered_none_lost: boolean;
  readonly rate_limited_max_in_1s_limit: number;
  readonly rate_limit: boolean;
  readonly retry_jitter: boolean;
  readonly all: boolean;
}

export function tenantTargets(figures: TenantFigures): TenantTargets {
  const quietLimit = Math.max(2 * figures.quietP99MsBaseline, QUIET_P99_FLOOR_MS);
  const rateLimitMax = Math.floor(figures.rateLimit * RATE_LIMIT_SLACK);
  const gaps = figures.retryGaps;
  const targets = {
    quiet_p99_ms_limit: quietLimit,
    quiet_slow_burst: figures.quietP99MsSlowBurst <= quietLimit,
    quiet_fast_burst: figures.quietP99MsFastBurst <= quietLimit,
    noisy_all_delivered_none_lost: figures.lost === 0 && figures.noisyDelivered === figures.noisyExpected,
    rate_limited_max_in_1s_limit: rateLimitMax,
    rate_limit: figures.rateLimitedDelivered === figures.rateLimitedExpected && figures.rateLimitedMaxIn1s <= rateLimitMax,
    // Every retried delivery measured, none early, and spread out.
    retry_jitter:
      gaps.measured === figures.retryExpected &&
      gaps.minS >= figures.firstRetrySeconds - RETRY_EARLY_TOLERANCE_S &&
      gaps.p90S - gaps.p10S >= RETRY_MIN_SPREAD_S,
  };
  return {
    ...targets,
    all: targets.quiet_slow_burst && targets.quiet_fast_burst && targets.noisy_all_delivered_none_lost && targets.rate_limit && targets.retry_jitter,
  };
}
