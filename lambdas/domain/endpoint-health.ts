// An endpoint's health: what a batch's attempts to it change on it (the run of failures, the
// circuit, the slow mark, first contact), and when it is too broken to keep sending to.
import { isProven } from './first-contact';
import type { Endpoint } from './model';
import { slowUntilNeedsRenewal } from './slow-endpoints';

export const DISABLE_AFTER_CONSECUTIVE_FAILURES = 10;

/** lastSuccessAt is refreshed at most this often while nothing else about the endpoint changes. */
export const LAST_SUCCESS_REFRESH_MS = 60_000;

export type DisableDecision = { disable: false } | { disable: true; reason: string };

/**
 * `consecutiveFailures` counts the failure just recorded. 410 Gone means the receiver says the
 * endpoint no longer exists, so it is disabled at once.
 */
export function disableDecision(input: { consecutiveFailures: number; statusCode?: number }): DisableDecision {
  if (input.statusCode === 410) return { disable: true, reason: 'endpoint answered 410 Gone' };
  if (input.consecutiveFailures >= DISABLE_AFTER_CONSECUTIVE_FAILURES) {
    return { disable: true, reason: `${input.consecutiveFailures} consecutive failed deliveries` };
  }
  return { disable: false };
}

/** What the dispatcher writes back on an endpoint after a batch; absent fields stay as they are. */
export interface EndpointHealthUpdate {
  /** Ends a run of failures (and stamps lastSuccessAt). */
  readonly succeededAt?: string;
  /** Failed deliveries that came after the batch's last success. */
  readonly failedDeliveries?: number;
  readonly failedAt?: string;
  /** A circuit opened until this time. */
  readonly circuitOpenUntil?: string;
  /** A probe got an answer: the circuit is closed for every instance. */
  readonly closeCircuit?: boolean;
  /** A slow answer: first attempts go to the retry lane until this time. */
  readonly slowUntil?: string;
  /** The endpoint's first quick answer (domain/first-contact.ts). */
  readonly provenAt?: string;
}

/** What one delivery's attempt in a batch showed of its endpoint. */
export interface AttemptHealth {
  /** Where the delivery stands after it: a failed attempt that is retried leaves it pending. */
  readonly result: 'succeeded' | 'failed' | 'pending';
  readonly finishedAt: Date;
  /** The endpoint answered 410 Gone. */
  readonly gone: boolean;
  readonly circuitOpenUntil?: Date;
  /** A probe got an answer: the endpoint's shared circuit closes. */
  readonly circuitClosed?: boolean;
  /** A slow answer: the endpoint's first attempts are deferred until then. */
  readonly slowUntil?: Date;
  /** The send finished within the slow mark (any outcome but a timeout): proof for first contact. */
  readonly quick?: boolean;
}

type EndpointHealth = Pick<Endpoint, 'consecutiveFailures' | 'lastSuccessAt' | 'provenAt' | 'circuitOpenUntil' | 'slowUntil'>;

/** What a batch's attempts to one endpoint change on it, and whether they may disable it. */
export interface BatchHealth {
  /** Empty when nothing changed: the endpoint item is not written. */
  readonly update: EndpointHealthUpdate;
  /** The endpoint answered 410 Gone in the batch. */
  readonly gone: boolean;
}

/**
 * A success while no failures are counted (and lastSuccessAt is recent) changes nothing, so a busy
 * endpoint's item is not written once per delivery.
 */
export function batchHealth(endpoint: EndpointHealth, results: readonly AttemptHealth[], now: Date): BatchHealth {
  const ordered = [...results].sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
  const lastSuccess = ordered.map((result) => result.result).lastIndexOf('succeeded');
  const failuresAfter = ordered.slice(lastSuccess + 1).filter((result) => result.result === 'failed');
  const openedUntil = latestOf(results, (result) => result.circuitOpenUntil);
  const slowUntil = latestOf(results, (result) => result.slowUntil);
  const staleSuccess = !endpoint.lastSuccessAt || now.getTime() - Date.parse(endpoint.lastSuccessAt) > LAST_SUCCESS_REFRESH_MS;

  const update: { -readonly [K in keyof EndpointHealthUpdate]: EndpointHealthUpdate[K] } = {};
  if (lastSuccess >= 0 && (endpoint.consecutiveFailures > 0 || staleSuccess)) update.succeededAt = now.toISOString();
  if (failuresAfter.length > 0) {
    update.failedDeliveries = failuresAfter.length;
    update.failedAt = now.toISOString();
  }
  if (openedUntil) update.circuitOpenUntil = openedUntil;
  else if (results.some((result) => result.circuitClosed) && endpoint.circuitOpenUntil !== undefined) update.closeCircuit = true;
  // Renewed only past half its deferral: a slow endpoint's item is not written once per batch.
  if (slowUntil && slowUntilNeedsRenewal(endpoint.slowUntil, now.getTime())) update.slowUntil = slowUntil;
  // Once in the endpoint's life: from then on every batch sends to it inline (domain/first-contact.ts).
  if (!isProven(endpoint) && results.some((result) => result.quick)) update.provenAt = now.toISOString();
  return { update, gone: results.some((result) => result.gone) };
}

/**
 * Whether the batch disables the endpoint, given its count of failures as written. Only a batch
 * that failed a delivery after its last success, or was answered 410 Gone, can.
 */
export function disableAfterBatch(health: BatchHealth, consecutiveFailures: number): DisableDecision {
  const decision = disableDecision({ consecutiveFailures, ...(health.gone ? { statusCode: 410 } : {}) });
  return decision.disable && (health.update.failedDeliveries !== undefined || health.gone) ? decision : { disable: false };
}

/** The latest of the times `pick` finds, as stored; undefined when there is none. */
function latestOf(results: readonly AttemptHealth[], pick: (result: AttemptHealth) => Date | undefined): string | undefined {
  const times = results.map(pick).filter((time): time is Date => time !== undefined);
  return times.length > 0 ? new Date(Math.max(...times.map((time) => time.getTime()))).toISOString() : undefined;
}
