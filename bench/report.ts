// The bench's result as one plain object: what the measurement modules returned, and the headline
// figures the issue names (the JSON line's top-level keys), with their targets.
import type { ColdStartFigures } from './cold-start';
import type { E2eResult } from './measure-e2e';
import type { ThroughputResult } from './measure-throughput';
import type { UnitsResult } from './measure-units';
import { PRICES, PRICES_SOURCE } from './prices';

export interface Machine {
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string | undefined;
  readonly platform: string;
}

export interface Headline {
  wru_per_delivery: number;
  /** Write units the delivery path spends on an event an endpoint's filter leaves out, beside the account's deliveries. */
  wru_per_filtered_event: number;
  /** The counts aggregator's share for it: one ADD per endpoint and stream batch of up to 1,000 records. */
  counts_wru_per_filtered_event: number;
  /** Write units per event of an account whose every event is filtered out: the batch's log page, shared by its events. */
  wru_per_event_all_filtered: number;
  rru_per_delivery: number;
  cost_per_million_usd: number;
  cost_per_million_fanout4_usd: number;
  cost_per_million_retried_usd: number;
  hot_key_max_writes_per_s: number;
  hot_key_max_reads_per_s: number;
  throughput_ratio: number;
  /** The most any dispatcher doing the least AWS work per batch could reach here (see ThroughputResult.ratioBound). */
  throughput_ratio_bound: number;
  e2e_p50_ms: number | null;
  e2e_p99_ms: number | null;
  dispatcher_bundle_kb: number | null;
  api_bundle_kb: number | null;
  dispatcher_init_ms: number | null;
  bare_init_ms: number | null;
  dispatcher_init_ratio: number | null;
}

/** Reported, not asserted: `value <= limit` (or >= for the ratio) is the aim. */
export const TARGETS: Partial<Record<keyof Headline, { op: '<=' | '>='; limit: number }>> = {
  wru_per_delivery: { op: '<=', limit: 1.5 },
  wru_per_filtered_event: { op: '<=', limit: 0 },
  cost_per_million_usd: { op: '<=', limit: 2.3 },
  hot_key_max_writes_per_s: { op: '<=', limit: 1000 },
  hot_key_max_reads_per_s: { op: '<=', limit: 3000 },
  throughput_ratio: { op: '>=', limit: 0.8 },
  e2e_p50_ms: { op: '<=', limit: 25 },
  dispatcher_bundle_kb: { op: '<=', limit: 760 },
  api_bundle_kb: { op: '<=', limit: 800 },
  dispatcher_init_ratio: { op: '<=', limit: 1.2 },
};

export interface BenchReport {
  readonly generatedAt: string;
  readonly elapsedSeconds: number;
  readonly machine: Machine;
  readonly prices: typeof PRICES;
  readonly pricesSource: typeof PRICES_SOURCE;
  readonly headline: Headline;
  readonly units: UnitsResult;
  readonly throughput: ThroughputResult;
  readonly e2e?: E2eResult;
  readonly coldStart?: ColdStartFigures;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

export function headlineOf(units: UnitsResult, throughput: ThroughputResult, e2e: E2eResult | undefined, coldStart: ColdStartFigures | undefined): Headline {
  const hot = units.hotKeys;
  return {
    wru_per_delivery: round(units.clean.perDelivery.writeUnits, 3),
    wru_per_filtered_event: round(units.filtered.writeUnitsPerFilteredEvent, 3),
    counts_wru_per_filtered_event: round(units.filtered.countsWriteUnitsPerFilteredEvent, 3),
    wru_per_event_all_filtered: round(units.filtered.writeUnitsPerEventAllFiltered, 3),
    rru_per_delivery: round(units.clean.perDelivery.readUnits, 3),
    cost_per_million_usd: round(units.clean.costPerMillionDeliveries.total, 3),
    cost_per_million_fanout4_usd: round(units.fanout4.costPerMillionDeliveries.total, 3),
    cost_per_million_retried_usd: round(units.retried.costPerMillionDeliveries.total, 3),
    hot_key_max_writes_per_s: round(Math.max(...hot.map((scenario) => scenario.busiestWrites.writesPerSecond)), 1),
    hot_key_max_reads_per_s: round(Math.max(...hot.map((scenario) => scenario.busiestReads.readsPerSecond)), 1),
    throughput_ratio: round(throughput.ratio, 3),
    throughput_ratio_bound: round(throughput.ratioBound, 3),
    e2e_p50_ms: e2e ? round(e2e.p50Ms, 1) : null,
    e2e_p99_ms: e2e ? round(e2e.p99Ms, 1) : null,
    dispatcher_bundle_kb: coldStart?.dispatcher_bundle_kb ?? null,
    api_bundle_kb: coldStart?.api_bundle_kb ?? null,
    dispatcher_init_ms: coldStart?.dispatcher_init_ms ?? null,
    bare_init_ms: coldStart?.bare_init_ms ?? null,
    dispatcher_init_ratio: coldStart?.dispatcher_init_ratio ?? null,
  };
}
