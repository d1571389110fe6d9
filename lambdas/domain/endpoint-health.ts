// When an endpoint is too broken to keep sending to.

export const DISABLE_AFTER_CONSECUTIVE_FAILURES = 10;

export function isSuccessStatus(status: number): boolean {
  return Number.isInteger(status) && status >= 200 && status <= 299;
}

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
