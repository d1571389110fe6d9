import { decodeLogEntries, deliveryFromItem, deliveryItem, encodeLogEntries } from '../../../lambdas/adapters/delivery-items';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { deliveryIdFor } from '../../../lambdas/domain/ids';
import type { Delivery } from '../../../lambdas/domain/model';
import { buildDeliveryBody } from '../../../lambdas/domain/payload';
import { itemSize } from '../../support/dynamodb-item-size';

/** A click as producers send it, padded to 700 bytes of body (the volume issue's reference size). */
function clickBody(): string {
  const data = { ...EVENT_CATALOGUE.click.example, click_id: 'c_01JD3X4Y5Z6A7B8C9D0E1F2G3H' };
  const body = buildDeliveryBody('click', '2026-11-28T10:00:00Z', { ...data, referer: `https://facebook.com/${'x'.repeat(700 - buildDeliveryBody('click', '2026-11-28T10:00:00Z', data).length - 1)}` });
  return body;
}

function cleanDelivery(): Delivery {
  const accountId = 'acct_0123456789abcdefghjkmnpqrs';
  const endpointId = 'ep_0123456789abcdefghjkmnpqrs';
  const eventId = 'c_01JD3X4Y5Z6A7B8C9D0E1F2G3H';
  const deliveryId = deliveryIdFor(accountId, eventId, endpointId);
  return {
    deliveryId,
    accountId,
    endpointId,
    eventId,
    eventType: 'click',
    status: 'succeeded',
    attemptCount: 1,
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.042Z',
    body: clickBody(),
    attempts: [
      { deliveryId, accountId, endpointId, eventId, eventType: 'click', attempt: 1, attemptedAt: '2026-11-28T10:00:00.010Z', outcome: 'succeeded', statusCode: 200, latencyMs: 31, responseExcerpt: '{"received":true}' },
    ],
  };
}

describe('delivery items', () => {
  it('round-trips a delivery, attempts included', () => {
    const delivery = cleanDelivery();
    expect(deliveryFromItem(deliveryItem(delivery, 1_800_000_000, { claimedAttempt: 1 }))).toEqual(delivery);
  });

  it('keeps a clean first delivery with a 700-byte body within one write unit (1 KB)', () => {
    const delivery = cleanDelivery();
    expect(delivery.body).toHaveLength(700);
    const size = itemSize(deliveryItem(delivery, 1_800_000_000, { claimedAttempt: 1 }));
    expect(size).toBeLessThanOrEqual(1024);
  });
});

describe('log entries', () => {
  it('round-trip, a retry without its event type included', () => {
    const entries = [
      { deliveryId: 'dlv_1', endpointId: 'ep_1', eventType: 'click', attempt: 1, created: true },
      { deliveryId: 'dlv_2', endpointId: 'ep_2', eventType: '', attempt: 3, created: false },
    ];
    expect(decodeLogEntries(encodeLogEntries(entries))).toEqual(entries);
  });
});
