import {
  DISABLE_AFTER_CONSECUTIVE_FAILURES,
  disableDecision,
  isSuccessStatus,
} from '../../../lambdas/domain/endpoint-health';

describe('isSuccessStatus', () => {
  it.each([200, 201, 202, 204, 299])('%i is a success', (status) => expect(isSuccessStatus(status)).toBe(true));
  it.each([100, 199, 300, 301, 302, 304, 400, 410, 429, 500, 503, 0, 200.5, Number.NaN])('%p is a failure', (status) => {
    expect(isSuccessStatus(status)).toBe(false);
  });
});

describe('disableDecision', () => {
  it('disables after 10 consecutive failures', () => {
    expect(DISABLE_AFTER_CONSECUTIVE_FAILURES).toBe(10);
    expect(disableDecision({ consecutiveFailures: 9, statusCode: 500 })).toEqual({ disable: false });
    expect(disableDecision({ consecutiveFailures: 10, statusCode: 500 })).toEqual({
      disable: true,
      reason: '10 consecutive failed deliveries',
    });
    expect(disableDecision({ consecutiveFailures: 10 })).toEqual({ disable: true, reason: '10 consecutive failed deliveries' });
    expect(disableDecision({ consecutiveFailures: 12 })).toMatchObject({ disable: true });
  });

  it('disables at once on 410 Gone', () => {
    expect(disableDecision({ consecutiveFailures: 1, statusCode: 410 })).toEqual({ disable: true, reason: 'endpoint answered 410 Gone' });
  });

  it('keeps an endpoint with a few failures', () => {
    expect(disableDecision({ consecutiveFailures: 0 })).toEqual({ disable: false });
    expect(disableDecision({ consecutiveFailures: 3, statusCode: 404 })).toEqual({ disable: false });
  });
});
