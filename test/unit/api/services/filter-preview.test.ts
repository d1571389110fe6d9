// FilterPreviewService against the in-memory store: each event counts once however many endpoints
// it reached, test sends are no events, and the preview stops at 50 events or 3 reads.
import { FilterPreviewService, PREVIEW_EVENTS } from '../../../../lambdas/api/services/filter-preview';
import type { Delivery } from '../../../../lambdas/domain/model';
import { InMemoryManagementStore, testDelivery } from '../../../support/in-memory-management-store';

const FRANCE = { country: ['FR'] };

function setup() {
  const store = new InMemoryManagementStore();
  const reads = jest.spyOn(store.deliveries, 'listDeliveries');
  return { store, reads, service: new FilterPreviewService({ store }) };
}

/** A delivery of event `eventId` whose data is `data`, the later the greater `order`. */
function sent(order: number, eventId: string, data: Record<string, unknown>, extra: Partial<Delivery> = {}): Delivery {
  const createdAt = new Date(Date.parse('2026-05-02T00:00:00.000Z') + order * 1000).toISOString();
  const eventType = extra.eventType ?? 'click';
  return testDelivery({ deliveryId: `dlv_${order}`, eventId, eventType, createdAt, body: JSON.stringify({ event: eventType, timestamp: createdAt, data }), ...extra });
}

it('counts an event delivered to several endpoints once, and leaves test sends out', async () => {
  const { store, service } = setup();
  store.deliveries.put(sent(1, 'evt_a', { country: 'FR' }, { endpointId: 'ep_1' }));
  store.deliveries.put(sent(2, 'evt_a', { country: 'FR' }, { endpointId: 'ep_2' }));
  store.deliveries.put(sent(3, 'evt_b', { country: 'DE' }));
  store.deliveries.put(sent(4, 'evt_test', { country: 'FR' }, { test: true }));
  expect(await service.preview('acct_1', FRANCE, ['*'])).toEqual({ checked: 2, matched: 1 });
});

it('tries only the event types listed, and asks the store for one type when only one is listed', async () => {
  const { store, reads, service } = setup();
  store.deliveries.put(sent(1, 'evt_click', { country: 'FR' }));
  store.deliveries.put(sent(2, 'evt_lead', { country: 'FR' }, { eventType: 'lead' }));
  store.deliveries.put(sent(3, 'evt_scan', { country: 'FR' }, { eventType: 'scan' }));
  expect(await service.preview('acct_1', FRANCE, ['lead'])).toEqual({ checked: 1, matched: 1 });
  expect(reads.mock.calls[0]?.[1]).toEqual({ eventType: 'lead' });
  expect(await service.preview('acct_1', FRANCE, ['click', 'scan'])).toEqual({ checked: 2, matched: 2 });
  expect(reads.mock.calls[1]?.[1]).toEqual({});
});

it(`stops at ${PREVIEW_EVENTS} events, the newest`, async () => {
  const { store, reads, service } = setup();
  for (let order = 0; order < 120; order += 1) store.deliveries.put(sent(order, `evt_${order}`, { country: order >= 100 ? 'FR' : 'DE' }));
  expect(await service.preview('acct_1', FRANCE, ['*'])).toEqual({ checked: PREVIEW_EVENTS, matched: 20 });
  expect(reads).toHaveBeenCalledTimes(1);
});

it('stops after 3 reads of the log, however few events they held', async () => {
  const { store, reads, service } = setup();
  for (let order = 0; order < 10; order += 1) store.deliveries.put(sent(order, `evt_${order}`, { country: 'FR' }));
  for (let order = 10; order < 310; order += 1) store.deliveries.put(sent(order, `evt_test_${order}`, { country: 'FR' }, { test: true }));
  expect(await service.preview('acct_1', FRANCE, ['*'])).toEqual({ checked: 0, matched: 0 });
  expect(reads).toHaveBeenCalledTimes(3);
  expect(reads.mock.calls.map(([, , options]) => options)).toEqual([{ limit: 100 }, { limit: 100, cursor: 'mem:100' }, { limit: 100, cursor: 'mem:200' }]);
});

it('stops when the log runs out', async () => {
  const { store, reads, service } = setup();
  store.deliveries.put(sent(1, 'evt_a', { country: 'FR' }));
  expect(await service.preview('acct_1', FRANCE, ['*'])).toEqual({ checked: 1, matched: 1 });
  expect(reads).toHaveBeenCalledTimes(1);
});
