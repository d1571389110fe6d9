import { attemptVerdict, deliveryAfter } from '../../../lambdas/domain/attempt-verdict';
import { attemptRecord } from '../../../lambdas/domain/delivery-request';
import { type Delivery, MAX_ATTEMPTS_KEPT } from '../../../lambdas/domain/model';

const answeredAt = new Date('2026-11-28T10:00:00Z');
const rules = { retrySchedule: [60, 300], random: () => 0 };
const ok = { outcome: 'succeeded', statusCode: 200, latencyMs: 5 } as const;
const failed = (statusCode: number, retryAfter?: string) => ({ outcome: 'failed', statusCode, errorClass: 'http_status', latencyMs: 5, ...(retryAfter ? { retryAfter } : {}) }) as const;
const later = (seconds: number) => new Date(answeredAt.getTime() + seconds * 1000);

describe('attemptVerdict', () => {
  it('delivers on success', () => {
    expect(attemptVerdict(ok, 1, answeredAt, rules)).toEqual({ kind: 'succeeded' });
  });

  it('retries a failure on the schedule, from the answer', () => {
    expect(attemptVerdict(failed(500), 1, answeredAt, rules)).toEqual({ kind: 'retry', attempt: 2, delaySeconds: 60, at: later(60) });
    expect(attemptVerdict(failed(500), 2, answeredAt, rules)).toEqual({ kind: 'retry', attempt: 3, delaySeconds: 300, at: later(300) });
  });

  it('fails the delivery once the schedule is spent', () => {
    expect(attemptVerdict(failed(500), 3, answeredAt, rules)).toEqual({ kind: 'failed', reason: 'all 3 attempts failed' });
  });

  it('gives up at once on 410 Gone', () => {
    expect(attemptVerdict(failed(410), 1, answeredAt, rules)).toEqual({ kind: 'failed', reason: 'endpoint answered 410 Gone' });
  });

  it('lengthens the wait by Retry-After on 429 and 503 only', () => {
    expect(attemptVerdict(failed(429, '200'), 1, answeredAt, rules)).toMatchObject({ kind: 'retry', delaySeconds: 200 });
    expect(attemptVerdict(failed(503, '200'), 1, answeredAt, rules)).toMatchObject({ kind: 'retry', delaySeconds: 200 });
    expect(attemptVerdict(failed(500, '200'), 1, answeredAt, rules)).toMatchObject({ kind: 'retry', delaySeconds: 60 });
  });
});

describe('deliveryAfter', () => {
  const delivery: Delivery = {
    deliveryId: 'dlv_1',
    accountId: 'acct_1',
    endpointId: 'ep_1',
    eventId: 'evt_1',
    eventType: 'click',
    status: 'pending',
    attemptCount: 1,
    createdAt: '2026-11-28T09:00:00Z',
    updatedAt: '2026-11-28T09:00:00Z',
    body: '{}',
    attempts: [],
    nextAttemptAt: '2026-11-28T10:00:00.000Z',
    retryScheduledFor: 2,
  };
  const attempt = attemptRecord(delivery, 2, answeredAt, failed(500));

  it('records a retry as pending, with the next attempt on the delivery and on the attempt', () => {
    const next = deliveryAfter(delivery, attempt, { kind: 'retry', attempt: 3, delaySeconds: 60, at: later(60) }, answeredAt);
    expect(next).toMatchObject({ status: 'pending', attemptCount: 2, nextAttemptAt: later(60).toISOString(), retryScheduledFor: 3, updatedAt: answeredAt.toISOString() });
    expect(next.attempts).toEqual([{ ...attempt, nextRetryAt: later(60).toISOString() }]);
  });

  it('clears what the delivery waited for once it is decided', () => {
    const done = deliveryAfter(delivery, attempt, { kind: 'failed', reason: 'all 2 attempts failed' }, answeredAt);
    expect(done).toMatchObject({ status: 'failed', reason: 'all 2 attempts failed', attemptCount: 2 });
    expect(done).not.toHaveProperty('nextAttemptAt');
    expect(done).not.toHaveProperty('retryScheduledFor');
    expect(deliveryAfter({ ...delivery, reason: 'earlier' }, attempt, { kind: 'succeeded' }, answeredAt)).not.toHaveProperty('reason');
  });

  it(`keeps the last ${MAX_ATTEMPTS_KEPT} attempts`, () => {
    const full = { ...delivery, attempts: Array.from({ length: MAX_ATTEMPTS_KEPT }, (_, index) => ({ ...attempt, attempt: index + 1 })) };
    const next = deliveryAfter(full, { ...attempt, attempt: MAX_ATTEMPTS_KEPT + 1 }, { kind: 'succeeded' }, answeredAt);
    expect(next.attempts).toHaveLength(MAX_ATTEMPTS_KEPT);
    expect(next.attempts.at(-1)?.attempt).toBe(MAX_ATTEMPTS_KEPT + 1);
    expect(next.attempts[0]?.attempt).toBe(2);
  });
});
