// Hourly delivery counts per endpoint for the portal's chart and its endpoint list: the last N
// hours (the current one included) summed over the count shards, every hour present (zeros
// filled), and per endpoint a summary with the attempts' success rate over the same window.
import { hourOf } from '../../adapters/dynamodb-hourly-counts-store';
import { ZERO_COUNTS } from '../../adapters/management/hourly-count-store';
import type { HourlyCounts } from '../../counts/hourly-counts-store';
import type { EndpointService } from './endpoints';
import { mapLimited } from './map-limited';
import type { HourlyCountRecords } from './ports';

/** Endpoints read at once, each one Query per count shard. */
const ENDPOINTS_IN_FLIGHT = 4;
const HOUR_MS = 3_600_000;

export interface HourlyRow extends HourlyCounts {
  readonly endpointId: string;
  /** The start of the hour, ISO-8601 UTC. */
  readonly hour: string;
}

export interface EndpointStats extends HourlyCounts {
  readonly endpointId: string;
  /** succeeded / (succeeded + failedAttempts): the share of attempts that succeeded; null without attempts. */
  readonly successRate: number | null;
}

export interface HourlyStats {
  readonly hours: number;
  /** The start of the first hour. */
  readonly from: string;
  /** The end of the last (current) hour, exclusive. */
  readonly to: string;
  readonly data: HourlyRow[];
  readonly summary: EndpointStats[];
}

/**
 * Attempts rather than deliveries: a delivery fails for good only after its last retry (hours
 * later), but its failed attempts show a failing endpoint at once.
 */
export function successRate(counts: HourlyCounts): number | null {
  const attempts = counts.succeeded + counts.failedAttempts;
  return attempts === 0 ? null : Math.round((counts.succeeded / attempts) * 10_000) / 10_000;
}

export interface StatsServiceDeps {
  readonly store: { readonly hourlyCounts: HourlyCountRecords };
  /** The account's endpoints as the API lists them; another account's endpoint is not found. */
  readonly endpoints: Pick<EndpointService, 'list' | 'get'>;
  readonly now: () => Date;
}

export class StatsService {
  constructor(private readonly deps: StatsServiceDeps) {}

  async hourly(accountId: string, options: { endpointId?: string; hours: number }): Promise<HourlyStats> {
    const { hours } = options;
    const endpointIds =
      options.endpointId !== undefined
        ? [(await this.deps.endpoints.get(accountId, options.endpointId)).endpointId]
        : (await this.deps.endpoints.list(accountId)).map((endpoint) => endpoint.endpointId);
    const lastHour = Math.floor(this.deps.now().getTime() / HOUR_MS) * HOUR_MS;
    const hourStarts = Array.from({ length: hours }, (_, index) => new Date(lastHour - (hours - 1 - index) * HOUR_MS));
    const fromHour = hourOf(hourStarts[0] as Date);
    const toHour = hourOf(new Date(lastHour));

    const perEndpoint = await mapLimited(endpointIds, ENDPOINTS_IN_FLIGHT, async (endpointId) => {
      const counts = await this.deps.store.hourlyCounts.read(accountId, endpointId, fromHour, toHour);
      const rows = hourStarts.map((start) => ({ endpointId, hour: start.toISOString(), ...(counts.get(hourOf(start)) ?? ZERO_COUNTS) }));
      const total = rows.reduce(
        (sum, row) => ({
          succeeded: sum.succeeded + row.succeeded,
          failed: sum.failed + row.failed,
          failedAttempts: sum.failedAttempts + row.failedAttempts,
          skipped: sum.skipped + row.skipped,
          filtered: sum.filtered + row.filtered,
        }),
        ZERO_COUNTS,
      );
      return { rows, summary: { endpointId, ...total, successRate: successRate(total) } };
    });
    return {
      hours,
      from: new Date(lastHour - (hours - 1) * HOUR_MS).toISOString(),
      to: new Date(lastHour + HOUR_MS).toISOString(),
      data: perEndpoint.flatMap((endpoint) => endpoint.rows),
      summary: perEndpoint.map((endpoint) => endpoint.summary),
    };
  }
}
