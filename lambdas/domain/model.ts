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
  /** Portal links issued before this time are refused (revoke-portal-links); absent: none revoked. */
  readonly portalLinksValidAfter?: string;
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
  /**
   * A rotation the account scheduled: until this time X-GeoRedir-Signature is still signed with
   * `previousSecret` (see domain/delivery-request.ts); absent: `secret` signs it.
   */
  readonly secretActivatesAt?: string;
  /** An EventBridge event pattern over the event's `data` (domain/event-pattern.ts); absent: every event of its types. */
  readonly filter?: Readonly<Record<string, unknown>>;
  /** Top-level `data` fields removed from the body before it is signed and sent (documented fields only). */
  readonly redact?: readonly string[];
  /** Sent with every attempt; values are the account's secrets (never logged, masked in answers). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Consecutive failed deliveries (a delivery fails once its last retry fails); a success resets it. */
  readonly consecutiveFailures: number;
  readonly lastSuccessAt?: string;
  readonly lastFailureAt?: string;
  /** While in the future, attempts are not sent (see domain/circuit-breaker.ts). */
  readonly circuitOpenUntil?: string;
  /** While in the future, first attempts are made in the retry lane (see domain/slow-endpoints.ts). */
  readonly slowUntil?: string;
  /** When a send to it first finished within the slow mark (any answer, or a quick refusal): see domain/first-contact.ts. */
  readonly provenAt?: string;
  /** Deliveries per second at most (1 to 10,000), across all dispatchers; absent: no limit. */
  readonly rateLimit?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One accepted producer event, as the dispatcher fans it out. */
export interface AcceptedEvent {
  readonly accountId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** `2026-02-25T14:30:00Z`, as in the body. */
  readonly timestamp: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The bytes an endpoint receives unless it redacts fields: JSON.stringify({event, timestamp, data}). */
  readonly body: string;
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
  /** Created by `POST /v1/endpoints/{id}/test`: a single attempt, never retried or redelivered. */
  readonly test?: boolean;
  /** When the account last asked for it to be sent again. */
  readonly redeliveredAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The exact bytes every attempt sends (the event's body, less the endpoint's redacted fields), kept with the delivery. */
  readonly body: string;
  /** Oldest first; the most recent MAX_ATTEMPTS_KEPT. */
  readonly attempts: readonly Attempt[];
}

/** A delivery keeps its latest attempts; older ones drop off (redeliveries can go on for ever). */
export const MAX_ATTEMPTS_KEPT = 30;

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
  | 'tls_error'
  /** Not sent: the endpoint's circuit breaker was open (it kept failing or timing out). */
  | 'circuit_open';

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
