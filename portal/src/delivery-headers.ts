// The headers an attempt was sent with, rebuilt from what the log keeps (they are a pure function
// of the delivery, the attempt and the secret). The two signatures are derived from the endpoint's
// secret and are not shown; everything else is exactly what the receiver got.
import type { Attempt, DeliverySummary } from './api-types';

export const WITHHELD = '(signature: HMAC with the endpoint secret, not shown)';

export function attemptHeaders(delivery: Pick<DeliverySummary, 'id' | 'eventType' | 'test'>, attempt: Pick<Attempt, 'attempt' | 'attemptedAt'>, userAgent: string): [string, string][] {
  const seconds = String(Math.floor(Date.parse(attempt.attemptedAt) / 1000));
  const headers: [string, string][] = [
    ['Content-Type', 'application/json'],
    ['User-Agent', userAgent],
    ['X-GeoRedir-Signature', WITHHELD],
    ['X-GeoRedir-Event', delivery.eventType],
    ['X-GeoRedir-Delivery', delivery.id],
    ['X-GeoRedir-Attempt', String(attempt.attempt)],
    ['X-GeoRedir-Timestamp', seconds],
    ['webhook-id', delivery.id],
    ['webhook-timestamp', seconds],
    ['webhook-signature', WITHHELD],
  ];
  if (delivery.test === true) headers.push(['X-GeoRedir-Test', 'true']);
  return headers;
}
