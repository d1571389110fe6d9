// The chart's data: every hour of the API's window per endpoint (an hour the answer leaves out
// counts as zeros), as uPlot's aligned arrays. The hours come from the API's window, not the
// browser's clock, so a skewed clock cannot shift the bars.
import type { HourlyCount, HourlyStats } from './api-types';

const HOUR_MS = 3_600_000;

export interface HourlySeries {
  /** Unix seconds of each hour's start, oldest first; the last is the current hour. */
  readonly hours: number[];
  readonly succeeded: number[];
  readonly failed: number[];
  readonly skipped: number[];
}

/** `count` hour starts (unix seconds) from the hour that holds `from`. */
export function hourStarts(from: string, count: number): number[] {
  const first = Math.floor(Date.parse(from) / HOUR_MS) * HOUR_MS;
  return Array.from({ length: count }, (_, index) => (first + index * HOUR_MS) / 1000);
}

/** One series per endpoint id, in the order given; counts outside the window are left out. */
export function hourlySeries(stats: Pick<HourlyStats, 'from' | 'hours' | 'data'>, endpointIds: readonly string[]): Map<string, HourlySeries> {
  const counts: readonly HourlyCount[] = stats.data;
  const hours = hourStarts(stats.from, stats.hours);
  const index = new Map(hours.map((hour, position) => [hour, position]));
  const result = new Map<string, HourlySeries>();
  for (const id of endpointIds) {
    result.set(id, { hours, succeeded: hours.map(() => 0), failed: hours.map(() => 0), skipped: hours.map(() => 0) });
  }
  for (const count of counts) {
    const series = result.get(count.endpointId);
    const position = index.get(Math.floor(Date.parse(count.hour) / HOUR_MS) * 3600);
    if (!series || position === undefined) continue;
    series.succeeded[position]! += count.succeeded;
    series.failed[position]! += count.failed;
    series.skipped[position]! += count.skipped;
  }
  return result;
}

/** Bars stacked bottom-up (succeeded, then failed, then skipped): each series' top edge. */
export function stacked(series: HourlySeries): { succeeded: number[]; failed: number[]; skipped: number[] } {
  const failed = series.failed.map((value, position) => value + series.succeeded[position]!);
  return { succeeded: [...series.succeeded], failed, skipped: series.skipped.map((value, position) => value + failed[position]!) };
}

export function totals(series: HourlySeries): { succeeded: number; failed: number; skipped: number } {
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return { succeeded: sum(series.succeeded), failed: sum(series.failed), skipped: sum(series.skipped) };
}
