// DeliveryLogService's rules against the in-memory store: what redelivery refuses, what recover
// picks and in which order, and that a delivery SQS would not take is put back as it was.
import { InvalidCursorError } from '../../../../lambdas/adapters/management/cursor';
import { ApiError } from '../../../../lambdas/api/errors';
import { DeliveryLogService, MAX_RECOVER_DELIVERIES } from '../../../../lambdas/api/services/deliveries';
import type { RetryMessage } from '../../../../lambdas/delivery/ports';
import { deliveryIdFor } from '../../../../lambdas/domain/ids';
import { InMemoryManagementStore, testDelivery, testEndpoint } from '../../../support/in-memory-management-store';

const NOW = Date.parse('2026-05-02T12:00:00.000Z');
const SINCE = new Date(NOW - 24 * 3_600_000);

/** `refuse`: the messages SQS does not take; `unreachable`: SendMessageBatch itself fails. */
function setup(options: { refuse?: (message: RetryMessage) => boolean; unreachable?: boolean } = {}) {
  const store = new InMemoryManagementStore();
  store.endpoints.put(testEndpoint());
  const sent: RetryMessage[] = [];
  const warnings: string[] = [];
  const service = new DeliveryLogService({
    store,
    retries: {
      sendNow: async (messages) => {
        if (options.unreachable) throw new Error('SQS unavailable');
        sent.push(...messages);
        return messages.filter((message) => options.refuse?.(message) === true).map((message) => message.deliveryId);
      },
    },
    now: () => new Date(NOW),
    log: { warn: (message) => void warnings.push(message) },
  });
  return { store, service, sent, warnings };
}

/** An ISO time `minutes` before now. */
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();

async function errorCode(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return `${error.statusCode} ${error.code}`;
}

describe('redeliver', () => {
  it('reopens the delivery under its id and queues its next attempt on the retry queue', async () => {
    const { store, service, sent } = setup();
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_1', status: 'failed', attemptCount: 3, reason: 'HTTP 500', createdAt: ago(60) }));
    expect(await service.redeliver('acct_1', 'dlv_1')).toEqual({ deliveryId: 'dlv_1', attempt: 4 });
    expect(sent).toEqual([{ kind: 'retry', deliveryId: 'dlv_1', accountId: 'acct_1', endpointId: 'ep_1', attempt: 4 }]);
    expect(store.deliveries.byId.get('dlv_1')).toMatchObject({ status: 'pending', retryScheduledFor: 4, redeliveredAt: new Date(NOW).toISOString() });
    expect(store.deliveries.byId.get('dlv_1')).not.toHaveProperty('reason');
  });

  it('refuses a test send, a delivery still pending, and one whose endpoint is disabled or deleted', async () => {
    const { store, service, sent } = setup();
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_test', test: true }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_pending', status: 'pending' }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_disabled', endpointId: 'ep_disabled' }));
    store.endpoints.put(testEndpoint({ endpointId: 'ep_disabled', status: 'disabled' }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_deleted', endpointId: 'ep_deleted' }));

    expect(await errorCode(service.redeliver('acct_1', 'dlv_test'))).toBe('409 test_delivery');
    expect(await errorCode(service.redeliver('acct_1', 'dlv_pending'))).toBe('409 delivery_in_progress');
    expect(await errorCode(service.redeliver('acct_1', 'dlv_disabled'))).toBe('409 endpoint_disabled');
    expect(await errorCode(service.redeliver('acct_1', 'dlv_deleted'))).toBe('409 endpoint_deleted');
    expect(await errorCode(service.redeliver('acct_1', 'dlv_unknown'))).toBe('404 not_found');
    expect(await errorCode(service.redeliver('acct_2', 'dlv_pending'))).toBe('404 not_found');
    expect(sent).toEqual([]);
  });

  it('answers 409 delivery_in_progress when the delivery changed before it could be reopened', async () => {
    const { store, service, sent } = setup();
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_1' }));
    jest.spyOn(store.deliveries, 'reopenDelivery').mockResolvedValue(false);
    expect(await errorCode(service.redeliver('acct_1', 'dlv_1'))).toBe('409 delivery_in_progress');
    expect(sent).toEqual([]);
  });

  it('puts the delivery back as it was when SQS refuses the message, and fails', async () => {
    const { store, service, warnings } = setup({ refuse: () => true });
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_1', status: 'failed', reason: 'HTTP 500' }));
    await expect(service.redeliver('acct_1', 'dlv_1')).rejects.toThrow('SQS did not accept the redelivery message');
    expect(store.deliveries.byId.get('dlv_1')).toMatchObject({ status: 'failed', reason: 'HTTP 500' });
    expect(store.deliveries.byId.get('dlv_1')).not.toHaveProperty('retryScheduledFor');
    expect(warnings).toEqual(['redelivery messages refused by SQS; deliveries restored']);
  });
});

describe('recover', () => {
  it("redelivers the endpoint's failed and skipped deliveries since the time, oldest first", async () => {
    const { store, service, sent } = setup();
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_newer_failed', createdAt: ago(10) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_older_skipped', status: 'skipped', attemptCount: 0, createdAt: ago(120) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_succeeded', status: 'succeeded', createdAt: ago(30) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_pending', status: 'pending', createdAt: ago(30) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_test', test: true, createdAt: ago(30) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_other_endpoint', endpointId: 'ep_2', createdAt: ago(30) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_before', createdAt: ago(25 * 60) }));

    expect(await service.recover('acct_1', 'ep_1', SINCE)).toEqual({ redelivered: ['dlv_older_skipped', 'dlv_newer_failed'], truncated: false });
    expect(sent.map((message) => [message.deliveryId, message.attempt])).toEqual([
      ['dlv_older_skipped', 1],
      ['dlv_newer_failed', 2],
    ]);
  });

  it(`reopens at most ${MAX_RECOVER_DELIVERIES} per call, the oldest, and says the answer is truncated`, async () => {
    const { store, service } = setup();
    for (let index = 0; index <= MAX_RECOVER_DELIVERIES; index += 1) {
      store.deliveries.put(testDelivery({ deliveryId: `dlv_${String(index).padStart(4, '0')}`, createdAt: ago(600 - index) }));
    }
    const { redelivered, truncated } = await service.recover('acct_1', 'ep_1', SINCE);
    expect(redelivered).toHaveLength(MAX_RECOVER_DELIVERIES);
    expect([redelivered[0], redelivered.at(-1), truncated]).toEqual(['dlv_0000', 'dlv_0499', true]);
    expect(store.deliveries.byId.get('dlv_0500')?.status).toBe('failed');
  });

  it('says truncated when the log was not read to the time asked', async () => {
    const { store, service } = setup();
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_1', createdAt: ago(10) }));
    jest.spyOn(store.deliveries, 'deliveryIdsSince').mockResolvedValue({ deliveryIds: ['dlv_1'], truncated: true });
    expect(await service.recover('acct_1', 'ep_1', SINCE)).toEqual({ redelivered: ['dlv_1'], truncated: true });
  });

  it('restores the deliveries SQS refused and leaves them out of the answer', async () => {
    const { store, service, sent } = setup({ refuse: (message) => message.deliveryId === 'dlv_refused' });
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_refused', reason: 'timeout', createdAt: ago(20) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_taken', createdAt: ago(10) }));
    expect(await service.recover('acct_1', 'ep_1', SINCE)).toEqual({ redelivered: ['dlv_taken'], truncated: false });
    expect(sent).toHaveLength(2);
    expect(store.deliveries.byId.get('dlv_refused')).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(store.deliveries.byId.get('dlv_taken')?.status).toBe('pending');
  });

  it('restores every reopened delivery when SQS cannot be reached, and fails', async () => {
    const { store, service } = setup({ unreachable: true });
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_1', createdAt: ago(10) }));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_2', status: 'skipped', createdAt: ago(5) }));
    await expect(service.recover('acct_1', 'ep_1', SINCE)).rejects.toThrow('SQS unavailable');
    expect([store.deliveries.byId.get('dlv_1')?.status, store.deliveries.byId.get('dlv_2')?.status]).toEqual(['failed', 'skipped']);
  });

  it('answers 404 for an unknown endpoint and 409 for a disabled one', async () => {
    const { store, service } = setup();
    store.endpoints.put(testEndpoint({ endpointId: 'ep_disabled', status: 'disabled' }));
    expect(await errorCode(service.recover('acct_1', 'ep_unknown', SINCE))).toBe('404 not_found');
    expect(await errorCode(service.recover('acct_1', 'ep_disabled', SINCE))).toBe('409 endpoint_disabled');
  });
});

describe('looking deliveries up', () => {
  it('answers a delivery not recorded yet as under way from its log line of the last 15 minutes', async () => {
    const { store, service } = setup();
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_recorded' }));
    const line = (deliveryId: string) => [{ deliveryId, endpointId: 'ep_1', eventType: 'lead', attempt: 1, created: true }];
    store.deliveries.appendLog('acct_1', ago(14), line('dlv_under_way'));
    store.deliveries.appendLog('acct_1', ago(16), line('dlv_lost'));

    expect(await service.get('acct_1', 'dlv_recorded')).toEqual({ recorded: store.deliveries.byId.get('dlv_recorded') });
    expect(await service.get('acct_1', 'dlv_under_way')).toEqual({ underWay: { deliveryId: 'dlv_under_way', endpointId: 'ep_1', eventType: 'lead', loggedAt: ago(14) } });
    expect(await errorCode(service.get('acct_1', 'dlv_lost'))).toBe('404 not_found');
  });

  it("finds an event's deliveries by their ids across the account's endpoints, newest first, with no cursor", async () => {
    const { store, service } = setup();
    store.endpoints.put(testEndpoint({ endpointId: 'ep_2' }));
    const of = (endpointId: string, createdAt: string) =>
      testDelivery({ deliveryId: deliveryIdFor('acct_1', 'evt_x', endpointId), eventId: 'evt_x', endpointId, createdAt });
    store.deliveries.put(of('ep_1', ago(20)));
    store.deliveries.put(of('ep_2', ago(10)));
    store.deliveries.put(testDelivery({ deliveryId: 'dlv_other_event', createdAt: ago(5) }));

    const page = await service.list('acct_1', { eventId: 'evt_x' }, { limit: 10 });
    expect(page).toEqual({ items: [store.deliveries.byId.get(deliveryIdFor('acct_1', 'evt_x', 'ep_2')), store.deliveries.byId.get(deliveryIdFor('acct_1', 'evt_x', 'ep_1'))] });
    expect((await service.list('acct_1', { eventId: 'evt_x', endpointId: 'ep_1' }, { limit: 10 })).items).toHaveLength(1);
    await expect(service.list('acct_1', { eventId: 'evt_x' }, { limit: 10, cursor: 'mem:1' })).rejects.toThrow(InvalidCursorError);
  });

  it('answers 404 for the attempts of an endpoint the account does not have', async () => {
    const { service } = setup();
    expect(await errorCode(service.listForEndpoint('acct_2', 'ep_1', { limit: 10 }))).toBe('404 not_found');
  });
});
