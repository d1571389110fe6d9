// Whether an endpoint's hourly counts already hold what the endpoint itself reports. The dispatcher
// stamps the endpoint's lastSuccessAt and lastFailureAt as its batch ends; the counts come off the
// table's stream up to its batching window (10 s) later. A page must not put "no attempts", or a
// rate the counts do not support, beside a success seconds ago: until the counts hold the endpoint's
// last success (and last failure), they are "still arriving" (and the page asks for them again);
// if they still do not, minutes later, they are "incomplete". Pure: the pages pass the clock in.
import type { Endpoint, HourlyCount, HourlyStats } from './api-types';

const HOUR_MS = 3_600_000;

/**
 * How much earlier than the endpoint's stamp its delivery may have been counted: a delivery counts
 * in the hour its attempt ended, and the endpoint is stamped once the dispatcher's whole batch is
 * done (its slowest attempt, up to the 30 s delivery timeout, and the batch's writes).
 */
export const STAMP_LAG_MS = 120_000;

/** For this long after the stamp, counts that do not hold it are still arriving; after it, incomplete. */
export const ARRIVING_FOR_MS = 120_000;

/** How often a page asks for the counts again while they are arriving. */
export const CATCH_UP_EVERY_MS = 3_000;

export type CountsCoverage =
  | { readonly state: 'covered' }
  | {
      readonly state: 'arriving' | 'incomplete';
      /** The endpoint's latest stamp the counts do not hold. */
      readonly missing: 'success' | 'failure';
      readonly at: string;
    };

/** Counts that do not hold a stamp: a page shows no figure from them, but what this says. */
export type Behind = Exclude<CountsCoverage, { state: 'covered' }>;

export const isBehind = (coverage: CountsCoverage | undefined): coverage is Behind => coverage !== undefined && coverage.state !== 'covered';

export type Stamps = Pick<Endpoint, 'id' | 'lastSuccessAt' | 'lastFailureAt'>;

export interface Clock {
  /** The browser's clock (ms). */
  readonly nowMs: number;
  /**
   * How long the page has been waiting for these stamps' counts, on the same clock: a floor for
   * their age that a browser clock set behind the service's cannot shrink (the stamps were read
   * before the page began to wait).
   */
  readonly waitedMs?: number;
}

/**
 * Covered when the counts hold a succeeded delivery (for lastSuccessAt) and a failed one (for
 * lastFailureAt) in the stamp's hour or later, allowing for STAMP_LAG_MS; a stamp too close to the
 * window's start to tell, or unreadable, counts as covered.
 */
export function countsCoverage(endpoint: Stamps, stats: Pick<HourlyStats, 'from' | 'data'>, clock: Clock): CountsCoverage {
  const rows = stats.data.filter((row) => row.endpointId === endpoint.id);
  const from = Date.parse(stats.from);
  const stamps = [
    { missing: 'success' as const, at: endpoint.lastSuccessAt, counted: (row: HourlyCount) => row.succeeded },
    { missing: 'failure' as const, at: endpoint.lastFailureAt, counted: (row: HourlyCount) => row.failed },
  ];
  let latest: { missing: 'success' | 'failure'; at: string; ms: number } | undefined;
  for (const { missing, at, counted } of stamps) {
    if (at === undefined) continue;
    const ms = Date.parse(at);
    if (Number.isNaN(ms) || ms - STAMP_LAG_MS < from) continue;
    const firstHour = Math.floor((ms - STAMP_LAG_MS) / HOUR_MS) * HOUR_MS;
    if (rows.some((row) => Date.parse(row.hour) >= firstHour && counted(row) > 0)) continue;
    if (!latest || ms > latest.ms) latest = { missing, at, ms };
  }
  if (!latest) return { state: 'covered' };
  const age = Math.max(clock.nowMs - latest.ms, clock.waitedMs ?? 0);
  return { state: age < ARRIVING_FOR_MS ? 'arriving' : 'incomplete', missing: latest.missing, at: latest.at };
}

/** What the coverage is computed from, as one string: when it changes, the page's wait starts over. */
export function stampsKey(endpoints: readonly Stamps[]): string {
  return JSON.stringify(endpoints.map((endpoint) => [endpoint.id, endpoint.lastSuccessAt ?? null, endpoint.lastFailureAt ?? null]));
}

/** In place of a figure, in a table cell. */
export function coverageLabel(coverage: Behind): string {
  return coverage.state === 'arriving' ? 'counts still arriving' : 'counts incomplete';
}

/** Why there is no figure. */
export function coverageText(coverage: Behind): string {
  const last = `last ${coverage.missing}`;
  return coverage.state === 'arriving'
    ? `The ${last} is not in the hourly counts yet. They follow a delivery within seconds; this page checks again.`
    : `The hourly counts still miss the ${last}, minutes after it, so they are incomplete. The delivery log lists every delivery.`;
}
