import { buildDeliveryHeaders } from '../../../lambdas/domain/signing';
import { attemptHeaders, WITHHELD } from '../../../portal/src/delivery-headers';

test("the headers shown are the sender's, signatures withheld", () => {
  const attemptedAt = '2026-11-28T10:00:05.678Z';
  const sent = buildDeliveryHeaders({
    body: '{}',
    eventType: 'click',
    deliveryId: 'dlv_1',
    attempt: 2,
    timestampSeconds: Math.floor(Date.parse(attemptedAt) / 1000),
    secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0',
    userAgent: 'GeoRedir-Webhooks/0.1.0',
  });
  const shown = Object.fromEntries(attemptHeaders({ id: 'dlv_1', eventType: 'click' }, { attempt: 2, attemptedAt }, 'GeoRedir-Webhooks/0.1.0'));
  expect(Object.keys(shown).sort()).toEqual(Object.keys(sent).sort());
  for (const [name, value] of Object.entries(sent)) {
    expect({ name, value: shown[name] }).toEqual({ name, value: /signature/i.test(name) ? WITHHELD : value });
  }
});

test('test sends carry X-GeoRedir-Test', () => {
  const shown = attemptHeaders({ id: 'dlv_t', eventType: 'click', test: true }, { attempt: 1, attemptedAt: '2026-11-28T10:00:00Z' }, 'ua');
  expect(shown).toContainEqual(['X-GeoRedir-Test', 'true']);
});
