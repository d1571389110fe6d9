// Slow endpoints: an endpoint that answers, but slowly (within the delivery timeout), would hold
// every batch of producer events that has a delivery for it until its answer, and with them the
// dispatcher's concurrency. The circuit breaker does not help there (the answers are not failures),
// so such an endpoint's first attempts are deferred instead: handed to the retry lane as attempt 1,
// where its slowness takes at most that lane's bounded concurrency. A deferral is not an attempt: it
// counts as nothing, and the guide's retry table runs from the deferred attempt's own answer.
//
// Like the circuit, the state is shared through the endpoint item (`slowUntil`): whoever sees a slow
// answer stores until when first attempts are deferred, and renews it while answers stay slow
// (deferred attempts in the retry lane keep seeing them). When it passes, first attempts go inline again.
//
// Slow starts at half a second, far below the delivery timeout: an endpoint answering in 4.5 s held
// every batch that had a delivery for it, and with them every other account's events. A send still
// without an answer at that mark marks the endpoint then, not when (or whether) the answer comes, so
// the other dispatchers stop sending to it inline within a second of its slowing down.

import { storedTimeMs } from './stored-time';

/** An answer taking at least this long, or a send without an answer by then, marks the endpoint slow. */
export const SLOW_ANSWER_MS = 500;

/** How long a slow answer defers the endpoint's first attempts. */
export const SLOW_DEFERRAL_MS = 60_000;

export class SlowEndpoints {
  /** This instance's view: endpoint key -> epoch ms until which first attempts are deferred. */
  private readonly deferredUntil = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether a first attempt to the endpoint goes to the retry lane (here or, as stored, anywhere). */
  defersFirstAttempts(endpointKey: string, sharedSlowUntil?: string): boolean {
    return Math.max(this.deferredUntil.get(endpointKey) ?? 0, storedTimeMs(sharedSlowUntil)) > this.now();
  }

  /** Records a sent attempt; a slow answer returns until when the endpoint's first attempts are deferred. */
  observe(endpointKey: string, answered: boolean, latencyMs: number): Date | undefined {
    if (!answered || latencyMs < SLOW_ANSWER_MS) return undefined;
    return this.defer(endpointKey);
  }

  /**
   * A send still without an answer at SLOW_ANSWER_MS: the endpoint is slow (or hanging) now. Returns
   * the deferral to store, or undefined when this instance already defers it (stored it already).
   */
  stillWaiting(endpointKey: string): Date | undefined {
    if ((this.deferredUntil.get(endpointKey) ?? 0) > this.now()) return undefined;
    return this.defer(endpointKey);
  }

  private defer(endpointKey: string): Date {
    const until = this.now() + SLOW_DEFERRAL_MS;
    this.deferredUntil.set(endpointKey, until);
    return new Date(until);
  }
}

/** Whether the stored slowUntil should be written again: absent, or past half its deferral. */
export function slowUntilNeedsRenewal(storedSlowUntil: string | undefined, now: number): boolean {
  return storedTimeMs(storedSlowUntil) - now < SLOW_DEFERRAL_MS / 2;
}
