// What an attempt's answer makes of its delivery: delivered, retried (which attempt, and when), or
// failed for good. Pure, so each rule is a unit test of its own; the dispatcher hands the retry
// over and records the delivery this module returns (delivery/delivery-service.ts).
import type { AttemptAnswer } from './delivery-request';
import { type Attempt, type Delivery, MAX_ATTEMPTS_KEPT } from './model';
import { parseRetryAfter, planRetry, type RetryPlan } from './retry-policy';

/** An answer as the sender reports it, with the raw Retry-After header, if any. */
export interface SentAnswer extends AttemptAnswer {
  readonly retryAfter?: string;
}

export type AttemptVerdict =
  | { readonly kind: 'succeeded' }
  /** The next attempt, when it is due and how long from the answer that is. */
  | Extract<RetryPlan, { kind: 'retry' }>
  | { readonly kind: 'failed'; readonly reason: string };

export interface RetryRules {
  readonly retrySchedule: readonly number[];
  /** Picks each retry's jitter (see planRetry); Math.random when absent. */
  readonly random?: (() => number) | undefined;
}

/** The verdict on attempt `attempt`, whose answer came at `answeredAt`. */
export function attemptVerdict(answer: SentAnswer, attempt: number, answeredAt: Date, rules: RetryRules): AttemptVerdict {
  if (answer.outcome === 'succeeded') return { kind: 'succeeded' };
  // 410 Gone: the receiver says the endpoint no longer exists; no point in retrying.
  if (answer.statusCode === 410) return { kind: 'failed', reason: 'endpoint answered 410 Gone' };
  const plan = planRetry(rules.retrySchedule, attempt, answeredAt, retryAfterSeconds(answer, answeredAt), rules.random);
  return plan.kind === 'retry' ? plan : { kind: 'failed', reason: `all ${attempt} attempts failed` };
}

/** Retry-After counts only where HTTP gives it that meaning for a failure: 429 and 503. */
function retryAfterSeconds(answer: SentAnswer, now: Date): number | undefined {
  return answer.statusCode === 429 || answer.statusCode === 503 ? parseRetryAfter(answer.retryAfter, now) : undefined;
}

/** The delivery after `attempt`, as the verdict leaves it; fields the new state does not name are cleared. */
export function deliveryAfter(delivery: Delivery, attempt: Attempt, verdict: AttemptVerdict, at: Date): Delivery {
  switch (verdict.kind) {
    case 'succeeded':
      return advance(delivery, attempt, { status: 'succeeded' }, at);
    case 'retry': {
      const nextAttemptAt = verdict.at.toISOString();
      return advance(delivery, { ...attempt, nextRetryAt: nextAttemptAt }, { status: 'pending', nextAttemptAt, retryScheduledFor: verdict.attempt }, at);
    }
    case 'failed':
      return advance(delivery, attempt, { status: 'failed', reason: verdict.reason }, at);
  }
}

function advance(
  delivery: Delivery,
  attempt: Attempt,
  state: Pick<Delivery, 'status'> & Partial<Pick<Delivery, 'reason' | 'nextAttemptAt' | 'retryScheduledFor'>>,
  at: Date,
): Delivery {
  const { reason: _reason, nextAttemptAt: _next, retryScheduledFor: _scheduled, ...rest } = delivery;
  return {
    ...rest,
    ...state,
    attemptCount: attempt.attempt,
    updatedAt: at.toISOString(),
    attempts: [...delivery.attempts, attempt].slice(-MAX_ATTEMPTS_KEPT),
  };
}
