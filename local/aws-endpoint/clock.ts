// Time source shared by the emulated services. Injectable so tests can move time forward
// (fire schedules, expire visibility timeouts) without waiting in real time.

export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /**
   * Optional: called whenever the clock jumps. Engines subscribe so that work due at the new
   * time (a schedule, a message becoming visible) happens without waiting for a real timer.
   */
  subscribe?(listener: () => void): () => void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; `advance` notifies subscribers synchronously. */
export class ManualClock implements Clock {
  private current: number;
  private readonly listeners = new Set<() => void>();

  constructor(start: number | Date = Date.now()) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  advance(milliseconds: number): void {
    this.set(this.current + milliseconds);
  }

  set(time: number | Date): void {
    this.current = typeof time === 'number' ? time : time.getTime();
    for (const listener of [...this.listeners]) listener();
  }
}

/** Largest delay setTimeout accepts; longer waits are re-armed in steps. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** A timer that never keeps the process alive (the local run must exit on close). */
export function backgroundTimer(delayMs: number, callback: () => void): NodeJS.Timeout {
  const timer = setTimeout(callback, Math.min(Math.max(delayMs, 0), MAX_TIMER_DELAY_MS));
  timer.unref();
  return timer;
}
