// One attempt at an endpoint: what it sends, the body (less the fields the endpoint redacts) and the
// headers (its custom headers, then ours, signed with the secrets in force at the time of the send),
// and what is kept of it, the attempt record. The dispatcher and test sends both build their
// attempts here, so a receiver sees the same thing and the log shows both alike.
import type { AcceptedEvent, Attempt, Delivery, Endpoint } from './model';
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

/** What names a delivery: its attempts carry these fields, and so does every log line about it. */
export type DeliveryNames = Pick<Delivery, 'deliveryId' | 'accountId' | 'endpointId' | 'eventId' | 'eventType'>;

export function deliveryFields(delivery: DeliveryNames): DeliveryNames {
  return {
    deliveryId: delivery.deliveryId,
    accountId: delivery.accountId,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
  };
}

/** What an attempt came to: the endpoint's answer, or why there was none. */
export type AttemptAnswer = Pick<Attempt, 'outcome' | 'statusCode' | 'errorClass' | 'errorMessage' | 'latencyMs' | 'responseExcerpt'>;

/** The record of attempt `attempt`, started at `startedAt`; a test send's is marked as one. */
export function attemptRecord(delivery: DeliveryNames, attempt: number, startedAt: Date, answer: AttemptAnswer, options: { readonly test?: boolean } = {}): Attempt {
  return {
    ...deliveryFields(delivery),
    attempt,
    attemptedAt: startedAt.toISOString(),
    outcome: answer.outcome,
    latencyMs: Math.round(answer.latencyMs),
    ...(answer.statusCode !== undefined ? { statusCode: answer.statusCode } : {}),
    ...(answer.errorClass ? { errorClass: answer.errorClass } : {}),
    ...(answer.errorMessage ? { errorMessage: answer.errorMessage } : {}),
    ...(answer.responseExcerpt !== undefined ? { responseExcerpt: answer.responseExcerpt } : {}),
    ...(options.test === true ? { test: true } : {}),
  };
}
