// The records the service keeps. Pure data: no AWS types, no behaviour.

/** A customer of GeoRedir and what its plan entitles it to. */
export interface Account {
  readonly accountId: string;
  readonly name: string;
  /** The plan includes webhooks; without it nothing new can be created or sent. */
  readonly webhooksEnabled: boolean;
  readonly maxEndpoints: number;
  /** Kept in step with endpoint creates and deletes in the same transactions; enforces the quota. */
  readonly endpointCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** `*` subscribes an endpoint to every event type, present and future. */
export const ALL_EVENTS = '*';

export type EndpointStatus = 'active' | 'disabled';

export interface Endpoint {
  readonly accountId: string;
  readonly endpointId: string;
  readonly url: string;
  /** Event types from the catalogue, or exactly `['*']`. */
  readonly events: readonly string[];
  readonly description?: string;
  readonly status: EndpointStatus;
  readonly disabledReason?: string;
  readonly disabledAt?: string;
  /** `whsec_...`; signs X-GeoRedir-Signature (as a UTF-8 string) and webhook-signature (decoded). */
  readonly secret: string;
  /** After a rotation the old secret keeps signing webhook-signature until `expiresAt`. */
  readonly previousSecret?: { readonly secret: string; readonly expiresAt: string };
  readonly consecutiveFailures: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One producer event, stored once however many endpoints it fans out to. */
export interface StoredEvent {
  readonly accountId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** `2026-02-25T14:30:00Z` */
  readonly timestamp: string;
  /** The exact bytes every endpoint receives: JSON.stringify({event, timestamp, data}). */
  readonly body: string;
  readonly receivedAt: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'skipped';

/** One event x one endpoint, across all its attempts. */
export interface Delivery {
  readonly deliveryId: string;
  readonly accountId: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  /** Attempts made so far (0 before the first). */
  readonly attemptCount: number;
  /** Why the delivery was skipped or failed, for people reading the log. */
  readonly reason?: string;
  readonly nextAttemptAt?: string;
  /** The attempt number whose retry message has been handed to SQS or Scheduler. */
  readonly retryScheduledFor?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type AttemptOutcome = 'succeeded' | 'failed';

/** Why an attempt failed without an HTTP status, or with a non-2xx one. */
export type AttemptErrorClass =
  | 'http_status'
  | 'timeout'
  | 'connection_refused'
  | 'connection_error'
  | 'dns_error'
  | 'blocked_address'
  | 'redirect'
  | 'tls_error';

export interface Attempt {
  readonly deliveryId: string;
  readonly accountId: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  readonly attemptedAt: string;
  readonly outcome: AttemptOutcome;
  readonly statusCode?: number;
  readonly errorClass?: AttemptErrorClass;
  readonly errorMessage?: string;
  readonly latencyMs: number;
  /** The first bytes of the response body, bounded (see http-sender). */
  readonly responseExcerpt?: string;
  readonly nextRetryAt?: string;
  /** True for `POST /v1/endpoints/{id}/test` sends. */
  readonly test?: boolean;
}
