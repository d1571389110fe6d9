// Per-endpoint rate limits, shared by every dispatcher: sends to a limited endpoint follow one
// schedule of slots spaced 1/rateLimit s apart (the generic cell rate algorithm, without a burst
// allowance). An item of the endpoint's holds the schedule's next free slot; a batch reserves all its
// sends to the endpoint with one write and makes each at its own slot: at once, after a short wait,
// or later from the retry lane. Waiting is never an attempt: nothing is failed or counted. A schedule
// that lags behind now (the endpoint was quiet) restarts at now: quiet time earns no burst.

export const MIN_RATE_LIMIT = 1;
export const MAX_RATE_LIMIT = 10_000;

/** Milliseconds between two sends to an endpoint limited to `rateLimit` deliveries per second. */
export function slotSpacingMs(rateLimit: number): number {
  return 1000 / rateLimit;
}

/** The `count` slots a reservation got, given the schedule's next free slot after it. */
export function reservedSlots(nextSlotAfter: number, count: number, rateLimit: number): number[] {
  const spacing = slotSpacingMs(rateLimit);
  const first = nextSlotAfter - count * spacing;
  return Array.from({ length: count }, (_, index) => first + index * spacing);
}

/**
 * The SQS delay for a send handed to the retry lane to wait for its slot: it should arrive a
 * little before the slot (the retry lane's batching window and polling come on top) and wait the
 * rest in the invocation, so sends keep their spacing instead of arriving late together.
 */
export function slotDelaySeconds(slotAt: number, now: number): number {
  return Math.max(0, Math.floor((slotAt - now) / 1000) - 1);
}
