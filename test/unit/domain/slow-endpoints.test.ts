// The slow-endpoint deferral: which answers mark an endpoint slow, for how long, and when the
// stored deferral is written again.
import { SLOW_ANSWER_MS, SLOW_DEFERRAL_MS, SlowEndpoints, slowUntilNeedsRenewal } from '../../../lambdas/domain/slow-endpoints';

const T0 = Date.parse('2026-11-28T10:00:00Z');

describe('SlowEndpoints', () => {
  it('marks an endpoint slow on an answer of half a second or more, never on a timeout or a quicker answer', () => {
    expect(SLOW_ANSWER_MS).toBe(500);
    let now = T0;
    const slow = new SlowEndpoints(() => now);
    expect(slow.observe('a/ep', true, SLOW_ANSWER_MS - 1)).toBeUndefined();
    expect(slow.observe('a/ep', false, 30_000)).toBeUndefined();
    expect(slow.defersFirstAttempts('a/ep')).toBe(false);
    expect(slow.observe('a/ep', true, SLOW_ANSWER_MS)).toEqual(new Date(T0 + SLOW_DEFERRAL_MS));
    expect(slow.defersFirstAttempts('a/ep')).toBe(true);
    expect(slow.defersFirstAttempts('a/other')).toBe(false);
    now = T0 + SLOW_DEFERRAL_MS;
    expect(slow.defersFirstAttempts('a/ep')).toBe(false);
  });

  it('marks an endpoint slow while a send still waits for its answer, once per deferral', () => {
    let now = T0;
    const slow = new SlowEndpoints(() => now);
    expect(slow.stillWaiting('a/ep')).toEqual(new Date(T0 + SLOW_DEFERRAL_MS));
    expect(slow.defersFirstAttempts('a/ep')).toBe(true);
    // Other sends to it still waiting: already marked (and stored) by this instance.
    now = T0 + 1_000;
    expect(slow.stillWaiting('a/ep')).toBeUndefined();
    now = T0 + SLOW_DEFERRAL_MS;
    expect(slow.stillWaiting('a/ep')).toEqual(new Date(T0 + 2 * SLOW_DEFERRAL_MS));
  });

  it('follows the deferral stored on the endpoint by another instance, until it passes', () => {
    let now = T0;
    const slow = new SlowEndpoints(() => now);
    expect(slow.defersFirstAttempts('a/ep', '2026-11-28T10:00:30.000Z')).toBe(true);
    now = Date.parse('2026-11-28T10:00:30.000Z');
    expect(slow.defersFirstAttempts('a/ep', '2026-11-28T10:00:30.000Z')).toBe(false);
    expect(slow.defersFirstAttempts('a/ep', 'not a time')).toBe(false);
  });
});

describe('slowUntilNeedsRenewal', () => {
  it('writes the deferral when none is stored or less than half of it is left', () => {
    expect(slowUntilNeedsRenewal(undefined, T0)).toBe(true);
    expect(slowUntilNeedsRenewal(new Date(T0 + SLOW_DEFERRAL_MS / 2 + 1).toISOString(), T0)).toBe(false);
    expect(slowUntilNeedsRenewal(new Date(T0 + SLOW_DEFERRAL_MS / 2 - 1).toISOString(), T0)).toBe(true);
  });
});
