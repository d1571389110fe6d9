// The management API's answers as the portal reads them (lambdas/api/schemas.ts is the source of
// truth; the portal keeps its own copy so the browser code stays free of server modules).

export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: readonly { readonly location: string; readonly field: string; readonly message: string }[];
  };
}

export interface EventType {
  readonly name: string;
  readonly description: string;
  /** The documented fields of its data: each may be redacted. */
  readonly fields: readonly string[];
  /** Documented fields holding personal data (GDPR), e.g. a visitor's IP address. */
  readonly personalData: readonly string[];
}

export type EndpointStatus = 'active' | 'disabled';

export interface Endpoint {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string;
  /** Deliveries per second at most; absent: no limit. */
  readonly rateLimit?: number;
  /** An EventBridge event pattern over the event's data; absent: every event of its types. */
  readonly filter?: Readonly<Record<string, unknown>>;
  /** Top-level data fields removed from the body before it is signed and sent. */
  readonly redact?: readonly string[];
  /** Custom headers sent with every attempt: name to masked value (`****`, or `****` and the last 4 characters). */
  readonly headers?: Readonly<Record<string, string>>;
  /** While a scheduled secret switch is ahead: X-GeoRedir-Signature keeps the previous secret until then. */
  readonly secretActivatesAt?: string;
  readonly status: EndpointStatus;
  readonly disabledReason?: string;
  readonly disabledAt?: string;
  readonly consecutiveFailures: number;
  readonly lastSuccessAt?: string;
  readonly lastFailureAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CreatedEndpoint extends Endpoint {
  readonly secret: string;
}

export interface EndpointSecret {
  readonly secret: string;
  /** Until then the replaced secret also signs webhook-signature. */
  readonly previousSecretExpiresAt?: string;
  /** A scheduled switch: until then X-GeoRedir-Signature is still signed with the previous secret. */
  readonly secretActivatesAt?: string;
}

/** POST /v1/filter-preview: how many of the account's latest events of the types the filter would have delivered. */
export interface FilterPreview {
  /** Events tried: at most 50, fewer when fewer are kept. */
  readonly checked: number;
  readonly matched: number;
}

export interface TestResult {
  readonly deliveryId: string;
  readonly eventType: string;
  readonly succeeded: boolean;
  readonly statusCode?: number;
  readonly latencyMs: number;
  readonly responseExcerpt?: string;
  readonly errorClass?: string;
  readonly errorMessage?: string;
}

export interface Attempt {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly attempt: number;
  readonly attemptedAt: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly statusCode?: number;
  readonly errorClass?: string;
  readonly errorMessage?: string;
  readonly latencyMs: number;
  readonly responseExcerpt?: string;
  readonly nextRetryAt?: string;
  readonly test?: boolean;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'skipped';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'skipped'];

interface DeliveryFields {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
  readonly reason?: string;
  readonly nextAttemptAt?: string;
  readonly test?: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One line of the delivery log (GET /v1/deliveries). */
export interface DeliverySummary extends DeliveryFields {
  /** Absent before the first attempt and for skipped deliveries. */
  readonly lastAttempt?: Pick<Attempt, 'attempt' | 'attemptedAt' | 'outcome' | 'statusCode' | 'errorClass' | 'latencyMs'>;
}

export interface Delivery extends Omit<DeliveryFields, 'eventId'> {
  /** Absent only while the first attempt is under way (recorded with it). */
  readonly eventId?: string;
  /** The body as sent (absent for test sends and once the event is no longer retained). */
  readonly payload?: unknown;
  /** Oldest first. */
  readonly attempts: readonly Attempt[];
}

export interface Page<T> {
  readonly data: readonly T[];
  readonly nextCursor: string | null;
}

export interface RedeliveryAccepted {
  readonly id: string;
  readonly status: 'pending';
  readonly attempt: number;
}

export interface RecoverResult {
  readonly since: string;
  readonly redelivered: readonly string[];
  readonly truncated: boolean;
}

interface Counts {
  /** Deliveries that succeeded. */
  readonly succeeded: number;
  /** Deliveries that failed for good (after their last retry). */
  readonly failed: number;
  /** Failed attempts, retried ones included. */
  readonly failedAttempts: number;
  /** Deliveries not sent because the endpoint was disabled or deleted. */
  readonly skipped: number;
  /** Events the endpoint's filter left out: no delivery was made. */
  readonly filtered: number;
}

/** One endpoint's deliveries that ended in one hour. */
export interface HourlyCount extends Counts {
  readonly endpointId: string;
  /** The hour's start, ISO-8601 (UTC). */
  readonly hour: string;
}

/** GET /v1/stats/hourly: every hour of the window (zeros included), and each endpoint's window summed. */
export interface HourlyStats {
  readonly hours: number;
  readonly from: string;
  readonly to: string;
  readonly data: readonly HourlyCount[];
  readonly summary: readonly (Counts & {
    readonly endpointId: string;
    /** succeeded / (succeeded + failedAttempts), 0 to 1; null without attempts. */
    readonly successRate: number | null;
  })[];
}
