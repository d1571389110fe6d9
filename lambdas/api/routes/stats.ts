import { defineRoute, type Route } from '../router';
import { HourlyStats, HourlyStatsQuery } from '../schemas';
import type { StatsService } from '../services/stats';

export function statsRoutes(services: { stats: StatsService }): Route[] {
  const { stats } = services;
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/stats/hourly',
      operationId: 'getHourlyStats',
      summary: 'Deliveries per endpoint and hour: succeeded, failed, failed attempts, skipped',
      description:
        'For a chart of the last hours (24 by default, at most a week) and, in summary, each endpoint\'s recent success rate. ' +
        'Counted by the dispatcher once per batch (test sends are not counted); an hour may trail by a few seconds. ' +
        '404 for an endpoint that is not the account\'s; a deleted endpoint is no longer listed.',
      tag: 'Stats',
      access: 'account',
      errors: [400, 404],
      query: HourlyStatsQuery,
      success: { status: 200, description: 'The counts', schema: HourlyStats },
      handle: async ({ auth, query }) =>
        stats.hourly(auth.account.accountId, { hours: query.hours, ...(query.endpoint === undefined ? {} : { endpointId: query.endpoint }) }),
    }),
  ];
}
