// What one attempt sends to an endpoint: the body (less the fields the endpoint redacts) and the
// headers (its custom headers, then ours, signed with the secrets in force at the time of the send).
// The dispatcher and test sends both build their requests here, so a receiver sees the same thing.
import type { AcceptedEvent, Endpoint } from './model';
import { buildDeliveryBody } from './payload';
import { buildDeliveryHeaders } from './signing';

type SigningSecrets = Pick<Endpoint, 'secret' | 'previousSecret' | 'secretActivatesAt'>;

/**
 * `secret` signs X-GeoRedir-Signature (the previous secret while a scheduled switch is ahead);
 * webhook-signature carries every secret in force, so Standard Webhooks receivers never miss.
 */
export function secretsInForce(endpoint: SigningSecrets, at: Date): { secret: string; additionalSecrets: string[] } {
  const previous = endpoint.previousSecret;
  if (!previous || Date.parse(previous.expiresAt) <= at.getTime()) return { secret: endpoint.secret, additionalSecrets: [] };
  const switchAhead = endpoint.secretActivatesAt !== undefined && Date.parse(endpoint.secretActivatesAt) > at.getTime();
  return switchAhead
    ? { secret: previous.secret, additionalSecrets: [endpoint.secret] }
    : { secret: endpoint.secret, additionalSecrets: [previous.secret] };
}

export interface AttemptRequestInput {
  readonly body: string;
  readonly eventType: string;
  readonly deliveryId: string;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  readonly at: Date;
  /** `GeoRedir-Webhooks/<version>` */
  readonly userAgent: string;
  /** Marks sends from `POST /v1/endpoints/{id}/test`. */
  readonly test?: boolean;
}

/** The headers of one attempt. Custom header names never collide with ours (see custom-headers.ts). */
export function attemptHeaders(endpoint: SigningSecrets & Pick<Endpoint, 'headers'>, input: AttemptRequestInput): Record<string, string> {
  return {
    ...endpoint.headers,
    ...buildDeliveryHeaders({
      body: input.body,
      eventType: input.eventType,
      deliveryId: input.deliveryId,
      attempt: input.attempt,
      timestampSeconds: Math.floor(input.at.getTime() / 1000),
      ...secretsInForce(endpoint, input.at),
      userAgent: input.userAgent,
      ...(input.test === true ? { test: true } : {}),
    }),
  };
}

/** The body the endpoint receives: the event's own, or rebuilt without the fields it redacts. */
export function bodyFor(endpoint: Pick<Endpoint, 'redact'>, event: Pick<AcceptedEvent, 'eventType' | 'timestamp' | 'data' | 'body'>): string {
  const redacted = (endpoint.redact ?? []).filter((field) => Object.hasOwn(event.data, field));
  if (redacted.length === 0) return event.body;
  const data = Object.fromEntries(Object.entries(event.data).filter(([field]) => !redacted.includes(field)));
  return buildDeliveryBody(event.eventType, event.timestamp, data);
}
