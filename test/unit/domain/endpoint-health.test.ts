import {
  type AttemptHealth,
  batchHealth,
  DISABLE_AFTER_CONSECUTIVE_FAILURES,
  disableAfterBatch,
  disableDecision,
  LAST_SUCCESS_REFRESH_MS,
} from '../../../lambdas/domain/endpoint-health';

describe('disableDecision', () => {
  it('disables after 10 consecutive failures', () => {
    expect(DISABLE_AFTER_CONSECUTIVE_FAILURES).toBe(10);
    expect(disableDecision({ consecutiveFailures: 9, statusCode: 500 })).toEqual({ disable: false });
    expect(disableDecision({ consecutiveFailures: 10, statusCode: 500 })).toEqual({
      disable: true,
      reason: '10 consecutive failed deliveries',
    });
    expect(disableDecision({ consecutiveFailures: 10 })).toEqual({ disable: true, reason: '10 consecutive failed deliveries' });
    expect(disableDecision({ consecutiveFailures: 12 })).toMatchObject({ disable: true });
  });

  it('disables at once on 410 Gone', () => {
    expect(disableDecision({ consecutiveFailures: 1, statusCode: 410 })).toEqual({ disable: true, reason: 'endpoint answered 410 Gone' });
  });

  it('keeps an endpoint with a few failures', () => {
    expect(disableDecision({ consecutiveFailures: 0 })).toEqual({ disable: false });
    expect(disableDecision({ consecutiveFailures: 3, statusCode: 404 })).toEqual({ disable: false });
  });
});

const NOW = new Date('2026-11-28T10:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const healthy = { consecutiveFailures: 0, lastSuccessAt: at(-1_000).toISOString(), provenAt: '2026-01-01T00:00:00Z' };
const result = (kind: AttemptHealth['result'], finishedMs: number, extra: Partial<AttemptHealth> = {}): AttemptHealth => ({
  result: kind,
  finishedAt: at(finishedMs),
  gone: false,
  ...extra,
});

describe('batchHealth', () => {
  it('leaves a healthy endpoint alone after successes: no write per delivery', () => {
    expect(batchHealth(healthy, [result('succeeded', -10), result('succeeded', -5), result('pending', -3)], NOW)).toEqual({ update: {}, gone: false });
  });

  it('stamps a success that ends a run of failures, or refreshes a stale lastSuccessAt', () => {
    expect(batchHealth({ ...healthy, consecutiveFailures: 3 }, [result('succeeded', -10)], NOW).update).toEqual({ succeededAt: NOW.toISOString() });
    const stale = { ...healthy, lastSuccessAt: at(-LAST_SUCCESS_REFRESH_MS - 1).toISOString() };
    expect(batchHealth(stale, [result('succeeded', -10)], NOW).update).toEqual({ succeededAt: NOW.toISOString() });
  });

  it('counts only the failed deliveries after the batch\'s last success, whatever order they finished in', () => {
    const results = [result('failed', -1), result('succeeded', -20), result('failed', -30), result('pending', -2), result('failed', -5)];
    expect(batchHealth(healthy, results, NOW).update).toEqual({ failedDeliveries: 2, failedAt: NOW.toISOString() });
  });

  it('stores the latest circuit opening, or closes a stored circuit once a probe got an answer', () => {
    const opened = [result('pending', -5, { circuitOpenUntil: at(10_000) }), result('pending', -4, { circuitOpenUntil: at(20_000) })];
    expect(batchHealth(healthy, opened, NOW).update).toEqual({ circuitOpenUntil: at(20_000).toISOString() });
    const probed = [result('succeeded', -5, { circuitClosed: true })];
    expect(batchHealth({ ...healthy, circuitOpenUntil: at(-1).toISOString() }, probed, NOW).update).toEqual({ closeCircuit: true });
    expect(batchHealth(healthy, probed, NOW).update).toEqual({});
  });

  it('renews the slow mark only past half its deferral', () => {
    const slow = [result('succeeded', -5, { slowUntil: at(60_000) })];
    expect(batchHealth(healthy, slow, NOW).update).toEqual({ slowUntil: at(60_000).toISOString() });
    expect(batchHealth({ ...healthy, slowUntil: at(50_000).toISOString() }, slow, NOW).update).toEqual({});
  });

  it('proves an endpoint once, on its first quick answer', () => {
    const fresh = { consecutiveFailures: 0 };
    expect(batchHealth(fresh, [result('failed', -5, { quick: true })], NOW).update).toEqual({ failedDeliveries: 1, failedAt: NOW.toISOString(), provenAt: NOW.toISOString() });
    expect(batchHealth(fresh, [result('pending', -5)], NOW).update).toEqual({});
    expect(batchHealth(healthy, [result('pending', -5, { quick: true })], NOW).update).toEqual({});
  });

  it('says when the endpoint answered 410 Gone', () => {
    expect(batchHealth(healthy, [result('failed', -5, { gone: true })], NOW).gone).toBe(true);
  });
});

describe('disableAfterBatch', () => {
  it('disables once the failures this batch counted reach the limit', () => {
    const health = batchHealth(healthy, [result('failed', -5)], NOW);
    expect(disableAfterBatch(health, DISABLE_AFTER_CONSECUTIVE_FAILURES - 1)).toEqual({ disable: false });
    expect(disableAfterBatch(health, DISABLE_AFTER_CONSECUTIVE_FAILURES)).toEqual({ disable: true, reason: '10 consecutive failed deliveries' });
  });

  it('never disables from a batch that failed no delivery, whatever the stored count', () => {
    const health = batchHealth({ ...healthy, consecutiveFailures: 12 }, [result('pending', -5), result('failed', -9), result('succeeded', -6)], NOW);
    expect(disableAfterBatch(health, 12)).toEqual({ disable: false });
  });

  it('disables at once on 410 Gone', () => {
    expect(disableAfterBatch(batchHealth(healthy, [result('failed', -5, { gone: true })], NOW), 1)).toEqual({ disable: true, reason: 'endpoint answered 410 Gone' });
  });
});
