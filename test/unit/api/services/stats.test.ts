// StatsService against the in-memory store: every hour of the window present, the count shards
// summed, and the success rate over attempts.
import { EndpointService } from '../../../../lambdas/api/services/endpoints';
import { StatsService, successRate } from '../../../../lambdas/api/services/stats';
import { InMemoryManagementStore, testEndpoint } from '../../../support/in-memory-management-store';

const NOW = new Date('2026-05-02T12:34:56.000Z');
const ZERO = { succeeded: 0, failed: 0, failedAttempts: 0, skipped: 0, filtered: 0 };

function setup() {
  const store = new InMemoryManagementStore();
  store.endpoints.put(testEndpoint({ endpointId: 'ep_1', createdAt: '2026-05-01T00:00:00.000Z' }));
  store.endpoints.put(testEndpoint({ endpointId: 'ep_2', createdAt: '2026-05-01T01:00:00.000Z' }));
  const now = () => NOW;
  const endpoints = new EndpointService({
    store,
    retries: { cancel: async () => undefined },
    allowPrivateEndpoints: false,
    secretRotationGraceHours: 24,
    retrySchedule: [60],
    now,
    log: { warn: () => undefined },
  });
  return { store, stats: new StatsService({ store, endpoints, now }) };
}

describe('hourly', () => {
  it('answers every hour of the window for every endpoint, the shards summed and missing hours as zeros', async () => {
    const { store, stats } = setup();
    // Two ADDs to one hour: two count shards.
    store.hourlyCounts.add('acct_1', 'ep_1', '2026-05-02T11', { succeeded: 3, failedAttempts: 1 });
    store.hourlyCounts.add('acct_1', 'ep_1', '2026-05-02T11', { succeeded: 1, failed: 1, failedAttempts: 1, skipped: 2, filtered: 5 });
    store.hourlyCounts.add('acct_1', 'ep_1', '2026-05-02T12', { succeeded: 4 });
    store.hourlyCounts.add('acct_1', 'ep_1', '2026-05-02T09', { succeeded: 100 });

    const result = await stats.hourly('acct_1', { hours: 3 });
    expect(result).toMatchObject({ hours: 3, from: '2026-05-02T10:00:00.000Z', to: '2026-05-02T13:00:00.000Z' });
    expect(result.data).toEqual([
      { endpointId: 'ep_1', hour: '2026-05-02T10:00:00.000Z', ...ZERO },
      { endpointId: 'ep_1', hour: '2026-05-02T11:00:00.000Z', succeeded: 4, failed: 1, failedAttempts: 2, skipped: 2, filtered: 5 },
      { endpointId: 'ep_1', hour: '2026-05-02T12:00:00.000Z', ...ZERO, succeeded: 4 },
      { endpointId: 'ep_2', hour: '2026-05-02T10:00:00.000Z', ...ZERO },
      { endpointId: 'ep_2', hour: '2026-05-02T11:00:00.000Z', ...ZERO },
      { endpointId: 'ep_2', hour: '2026-05-02T12:00:00.000Z', ...ZERO },
    ]);
    expect(result.summary).toEqual([
      { endpointId: 'ep_1', succeeded: 8, failed: 1, failedAttempts: 2, skipped: 2, filtered: 5, successRate: 0.8 },
      { endpointId: 'ep_2', ...ZERO, successRate: null },
    ]);
  });

  it("narrows to one endpoint, and answers 404 for another account's", async () => {
    const { store, stats } = setup();
    store.endpoints.put(testEndpoint({ accountId: 'acct_2', endpointId: 'ep_9' }));
    store.hourlyCounts.add('acct_1', 'ep_2', '2026-05-02T12', { skipped: 1 });
    const result = await stats.hourly('acct_1', { endpointId: 'ep_2', hours: 1 });
    expect(result.data).toEqual([{ endpointId: 'ep_2', hour: '2026-05-02T12:00:00.000Z', ...ZERO, skipped: 1 }]);
    await expect(stats.hourly('acct_1', { endpointId: 'ep_9', hours: 1 })).rejects.toMatchObject({ statusCode: 404, message: 'Endpoint not found' });
  });
});

describe('successRate', () => {
  it('is the share of attempts that succeeded, to four decimals, and null without attempts', () => {
    expect(successRate({ ...ZERO, succeeded: 2, failedAttempts: 1, failed: 1 })).toBe(0.6667);
    expect(successRate({ ...ZERO, succeeded: 5, skipped: 3, filtered: 9 })).toBe(1);
    expect(successRate({ ...ZERO, failedAttempts: 4 })).toBe(0);
    expect(successRate({ ...ZERO, skipped: 3 })).toBeNull();
  });
});
