import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeLogEntries, deflateDocument, deliveryFromItem, deliveryItem, encodeLogEntries } from '../../../lambdas/adapters/delivery-items';
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

describe('document deflate', () => {
  it('compresses as small as the default 32 KB window, and inflates with the default settings', () => {
    // JSON with repeats near and far, from a few hundred bytes to past the default window.
    for (const length of [200, 700, 1_500, 4_000, 20_000, 70_000]) {
      let text = '';
      for (let index = 0; text.length < length; index += 1) text += `{"click_id":"c_${(index * 7919) % 1000}","url":"https://example.com/${index % 37}"},`;
      const input = Buffer.from(text);
      const output = deflateDocument(input);
      expect(inflateRawSync(output).equals(input)).toBe(true);
      expect(output.length).toBeLessThanOrEqual(deflateRawSync(input).length);
    }
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
