// EndpointService's rules against the in-memory store: the quota, events and headers as stored,
// and secret rotation (a scheduled switch, its bounds and grace, the retry on a concurrent rotation).
import { ApiError } from '../../../../lambdas/api/errors';
import { EndpointService } from '../../../../lambdas/api/services/endpoints';
import type { WaitingRetry } from '../../../../lambdas/delivery/ports';
import { FIXTURE_TIME, InMemoryManagementStore, testAccount, testDelivery, testEndpoint } from '../../../support/in-memory-management-store';

const HOUR_MS = 3_600_000;
const GRACE_HOURS = 24;
const PUBLIC_ADDRESS = [{ address: '93.184.216.34', family: 4 }];

function setup(options: { maxEndpoints?: number; endpointCount?: number } = {}) {
  const store = new InMemoryManagementStore();
  const account = testAccount({ maxEndpoints: options.maxEndpoints ?? 5, endpointCount: options.endpointCount ?? 0 });
  store.accounts.put(account);
  let now = Date.parse('2026-05-01T12:00:00.000Z');
  const cancelled: WaitingRetry[] = [];
  const warnings: string[] = [];
  const service = new EndpointService({
    store,
    retries: { cancel: async (waiting) => void cancelled.push(...waiting) },
    allowPrivateEndpoints: false,
    secretRotationGraceHours: GRACE_HOURS,
    retrySchedule: [60, 3600],
    now: () => new Date(now),
    lookup: async () => PUBLIC_ADDRESS,
    log: { warn: (message) => void warnings.push(message) },
  });
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  return { store, account, service, clock, cancelled, warnings };
}

/** The ApiError a call fails with, to check its status and code. */
async function apiError(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

const NEW_ENDPOINT = { url: 'https://receiver.example.com/hook', events: ['click'] };

describe('creating', () => {
  it('counts the endpoint against the quota and answers 403 endpoint_quota_exceeded once it is used up', async () => {
    const { store, service } = setup({ maxEndpoints: 1 });
    const created = await service.create(testAccount({ maxEndpoints: 1 }), NEW_ENDPOINT);
    expect(created).toMatchObject({ accountId: 'acct_1', status: 'active', consecutiveFailures: 0 });
    expect(store.accounts.byId.get('acct_1')?.endpointCount).toBe(1);

    // The account the request read is stale: the store's transaction is what holds the quota.
    const error = await apiError(service.create(testAccount({ maxEndpoints: 1, endpointCount: 0 }), NEW_ENDPOINT));
    expect([error.statusCode, error.code, error.message]).toEqual([403, 'endpoint_quota_exceeded', 'Your plan allows 1 endpoint; delete one or upgrade to add more']);
  });

  it('answers the quota early from the account it was given, without a write', async () => {
    const { store, service } = setup({ maxEndpoints: 2, endpointCount: 2 });
    const create = jest.spyOn(store.endpoints, 'createEndpoint');
    const error = await apiError(service.create(testAccount({ maxEndpoints: 2, endpointCount: 2 }), NEW_ENDPOINT));
    expect([error.statusCode, error.code]).toEqual([403, 'endpoint_quota_exceeded']);
    expect(error.message).toContain('2 endpoints');
    expect(create).not.toHaveBeenCalled();
  });

  it('answers 403 webhooks_not_enabled when the plan lost webhooks, and 404 when the account vanished', async () => {
    const { store, account, service } = setup();
    store.accounts.put({ ...account, webhooksEnabled: false });
    expect((await apiError(service.create(account, NEW_ENDPOINT))).code).toBe('webhooks_not_enabled');
    store.accounts.byId.clear();
    const error = await apiError(service.create(account, NEW_ENDPOINT));
    expect([error.statusCode, error.message]).toEqual([404, 'Account not found']);
  });

  it('stores the events without duplicates, in their order, and "*" alone when it is listed', async () => {
    const { account, service } = setup();
    expect((await service.create(account, { ...NEW_ENDPOINT, events: ['lead', 'click', 'lead'] })).events).toEqual(['lead', 'click']);
    expect((await service.create(account, { ...NEW_ENDPOINT, events: ['click', '*', 'lead'] })).events).toEqual(['*']);
  });

  it('leaves out what was not chosen: no rate limit, filter, redaction or headers', async () => {
    const { account, service } = setup();
    const created = await service.create(account, { ...NEW_ENDPOINT, rateLimit: null, filter: null, redact: [], headers: {} });
    for (const field of ['rateLimit', 'filter', 'redact', 'headers', 'description']) expect(created).not.toHaveProperty(field);
  });
});

describe('changing', () => {
  it('normalises the events of a PATCH as a create does', async () => {
    const { store, service } = setup();
    store.endpoints.put(testEndpoint());
    expect((await service.update('acct_1', 'ep_1', { events: ['click', 'click'] })).events).toEqual(['click']);
    expect((await service.update('acct_1', 'ep_1', { events: ['*', 'click'] })).events).toEqual(['*']);
  });

  it('merges custom headers into the stored ones: a value sets (whatever its case), null removes', async () => {
    const { store, service } = setup();
    store.endpoints.put(testEndpoint({ headers: { 'X-Team': 'growth', 'X-Env': 'prod' } }));
    const updated = await service.update('acct_1', 'ep_1', { headers: { 'x-env': 'staging', 'X-Team': null, 'X-New': '1' } });
    expect(updated.headers).toEqual({ 'x-env': 'staging', 'X-New': '1' });
    expect((await service.update('acct_1', 'ep_1', { headers: null })).headers).toBeUndefined();
  });

  it('answers 400 when the merge would leave more than 10 headers, and takes 10 made by adding one and removing another', async () => {
    const { store, service } = setup();
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, index) => [`X-H${index}`, 'v']));
    store.endpoints.put(testEndpoint({ headers: nine }));
    const error = await apiError(service.update('acct_1', 'ep_1', { headers: { 'X-A': 'v', 'X-B': 'v' } }));
    expect([error.statusCode, error.code]).toEqual([400, 'validation_failed']);
    expect(error.details).toEqual([{ location: 'body', field: 'headers', message: 'at most 10 headers after the merge; remove some with null' }]);
    expect(store.endpoints.byKey.get('acct_1#ep_1')?.headers).toEqual(nine);

    const updated = await service.update('acct_1', 'ep_1', { headers: { 'X-A': 'v', 'X-B': 'v', 'X-H0': null } });
    expect(Object.keys(updated.headers ?? {})).toHaveLength(10);
  });

  it("answers 404 for another account's endpoint before looking at its URL", async () => {
    const { store, service } = setup();
    store.endpoints.put(testEndpoint({ accountId: 'acct_2' }));
    const error = await apiError(service.update('acct_1', 'ep_1', { url: 'http://127.0.0.1/' }));
    expect([error.statusCode, error.message]).toEqual([404, 'Endpoint not found']);
  });

  it('lists oldest first, whatever order the store answers in', async () => {
    const { store, service } = setup();
    store.endpoints.put(testEndpoint({ endpointId: 'ep_0', createdAt: '2026-05-01T09:00:00.000Z' }));
    store.endpoints.put(testEndpoint({ endpointId: 'ep_a', createdAt: '2026-05-01T10:00:00.000Z' }));
    store.endpoints.put(testEndpoint({ endpointId: 'ep_b', createdAt: '2026-05-01T10:00:00.000Z' }));
    expect((await store.endpoints.listEndpoints('acct_1')).map((endpoint) => endpoint.endpointId)).toEqual(['ep_b', 'ep_a', 'ep_0']);
    expect((await service.list('acct_1')).map((endpoint) => endpoint.endpointId)).toEqual(['ep_0', 'ep_a', 'ep_b']);
  });
});

describe('rotating the secret', () => {
  it('switches at once by default; the replaced secret signs alongside for the grace period from now', async () => {
    const { store, service, clock } = setup();
    store.endpoints.put(testEndpoint());
    const view = await service.rotateSecret('acct_1', 'ep_1');
    expect(view.secret).not.toBe('whsec_first');
    expect(view).toEqual({ secret: view.secret, previousSecretExpiresAt: new Date(clock.now() + GRACE_HOURS * HOUR_MS).toISOString() });
    expect(store.endpoints.byKey.get('acct_1#ep_1')?.previousSecret?.secret).toBe('whsec_first');
  });

  it('schedules the switch at activateAt and counts the grace period from the switch', async () => {
    const { store, service, clock } = setup();
    store.endpoints.put(testEndpoint());
    const activateAt = new Date(clock.now() + 2 * HOUR_MS).toISOString();
    const view = await service.rotateSecret('acct_1', 'ep_1', activateAt);
    expect(view.secretActivatesAt).toBe(activateAt);
    expect(view.previousSecretExpiresAt).toBe(new Date(Date.parse(activateAt) + GRACE_HOURS * HOUR_MS).toISOString());
    expect(await service.secret('acct_1', 'ep_1')).toEqual(view);
  });

  it('answers 409 secret_switch_pending while a scheduled switch is ahead, and rotates once it has happened', async () => {
    const { store, service, clock } = setup();
    store.endpoints.put(testEndpoint());
    const activateAt = new Date(clock.now() + HOUR_MS).toISOString();
    await service.rotateSecret('acct_1', 'ep_1', activateAt);
    const error = await apiError(service.rotateSecret('acct_1', 'ep_1'));
    expect([error.statusCode, error.code]).toEqual([409, 'secret_switch_pending']);
    expect(error.message).toContain(activateAt);

    clock.advance(HOUR_MS + 1);
    const view = await service.rotateSecret('acct_1', 'ep_1');
    expect(view.secretActivatesAt).toBeUndefined();
    expect(store.endpoints.byKey.get('acct_1#ep_1')).not.toHaveProperty('secretActivatesAt');
  });

  it('takes activateAt from a minute ago (clock skew, switched now) to 24 hours ahead, and answers 400 outside', async () => {
    const { store, service, clock } = setup();
    const at = (offsetMs: number) => new Date(clock.now() + offsetMs).toISOString();
    for (const outside of [at(-60_001), at(24 * HOUR_MS + 1)]) {
      store.endpoints.put(testEndpoint());
      const error = await apiError(service.rotateSecret('acct_1', 'ep_1', outside));
      expect([error.statusCode, error.details]).toEqual([400, [{ location: 'body', field: 'activateAt', message: 'must be from now to 24 hours ahead' }]]);
    }
    await service.rotateSecret('acct_1', 'ep_1', at(-60_000));
    // Clamped to now, so the switch is not pending: no conflict on the next rotation.
    expect(store.endpoints.byKey.get('acct_1#ep_1')?.secretActivatesAt).toBe(at(0));
    expect((await service.rotateSecret('acct_1', 'ep_1', at(24 * HOUR_MS))).secretActivatesAt).toBe(at(24 * HOUR_MS));
  });

  it('tries again once when a concurrent rotation changed the secret under it, keeping that secret as the previous one', async () => {
    const { store, service } = setup();
    store.endpoints.put(testEndpoint());
    const rotate = store.endpoints.rotateSecret.bind(store.endpoints);
    const calls = jest.spyOn(store.endpoints, 'rotateSecret').mockImplementationOnce(async (...args) => {
      store.endpoints.patch('acct_1', 'ep_1', { secret: 'whsec_concurrent' });
      return rotate(...args);
    });
    const view = await service.rotateSecret('acct_1', 'ep_1');
    expect(calls).toHaveBeenCalledTimes(2);
    expect(calls.mock.calls[1]?.[2].expectedSecret).toBe('whsec_concurrent');
    expect(store.endpoints.byKey.get('acct_1#ep_1')).toMatchObject({ secret: view.secret, previousSecret: { secret: 'whsec_concurrent' } });
  });

  it('answers 404 when the secret changes under it twice', async () => {
    const { store, service } = setup();
    store.endpoints.put(testEndpoint());
    const calls = jest.spyOn(store.endpoints, 'rotateSecret').mockResolvedValue(undefined);
    const error = await apiError(service.rotateSecret('acct_1', 'ep_1'));
    expect([error.statusCode, error.message]).toEqual([404, 'Endpoint not found']);
    expect(calls).toHaveBeenCalledTimes(2);
  });
});

describe('deleting', () => {
  it("frees the quota slot and cancels the endpoint's retries still waiting, within the schedule's longest delay", async () => {
    const { store, service, clock, cancelled } = setup({ endpointCount: 1 });
    store.endpoints.put(testEndpoint());
    const minutesAgo = (minutes: number) => new Date(clock.now() - minutes * 60_000).toISOString();
    const inMinutes = (minutes: number) => new Date(clock.now() + minutes * 60_000).toISOString();
    const attempted = (at: string) => [{ deliveryId: 'x', accountId: 'acct_1', endpointId: 'ep_1', eventId: 'e', eventType: 'click', attempt: 2, attemptedAt: at, outcome: 'failed' as const, latencyMs: 1 }];
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_waiting', status: 'pending', attemptCount: 2, createdAt: minutesAgo(30), nextAttemptAt: inMinutes(30), attempts: attempted(minutesAgo(30)) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_due', status: 'pending', attemptCount: 2, createdAt: minutesAgo(30), nextAttemptAt: minutesAgo(1), attempts: attempted(minutesAgo(2)) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_failed', createdAt: minutesAgo(30) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_other', endpointId: 'ep_2', status: 'pending', attemptCount: 2, createdAt: minutesAgo(30), nextAttemptAt: inMinutes(30), attempts: attempted(minutesAgo(30)) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_old', status: 'pending', attemptCount: 2, createdAt: FIXTURE_TIME, nextAttemptAt: inMinutes(30), attempts: attempted(FIXTURE_TIME) }));

    await service.remove('acct_1', 'ep_1');
    expect(store.accounts.byId.get('acct_1')?.endpointCount).toBe(0);
    expect(cancelled).toEqual([{ deliveryId: 'dlv_waiting', attempt: 3, delaySeconds: 3600 }]);
    expect((await apiError(service.get('acct_1', 'ep_1'))).statusCode).toBe(404);
  });

  it('still deletes when the retries cannot be cancelled, and says so in the log', async () => {
    const { store, service, warnings } = setup({ endpointCount: 1 });
    store.endpoints.put(testEndpoint());
    jest.spyOn(store.deliveries, 'deliveryIdsSince').mockRejectedValue(new Error('throttled'));
    await service.remove('acct_1', 'ep_1');
    expect(store.endpoints.byKey.size).toBe(0);
    expect(warnings).toEqual(['could not delete retry schedules of a deleted endpoint; the dispatcher will skip them']);
  });
});
