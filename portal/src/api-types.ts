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
}

export type EndpointStatus = 'active' | 'disabled';

export interface Endpoint {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string;
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
  readonly previousSecretExpiresAt?: string;
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

/** One line of the delivery log (GET /v1/deliveries). */
export interface DeliverySummary {
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

export interface Delivery extends DeliverySummary {
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

/** One endpoint's deliveries that ended in one hour (GET /v1/stats/hourly). */
export interface HourlyCount {
  readonly endpointId: string;
  /** The hour's start, ISO-8601. */
  readonly hour: string;
  readonly succeeded: number;
  readonly failed: number;
  readonly failedAttempts: number;
  readonly skipped: number;
}
