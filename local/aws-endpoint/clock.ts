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

/**
 * Real time plus an offset that can only grow: the local run's clock. Everything keeps moving in
 * real time, and a jump (`advance`) makes what would be due later (a 30-minute schedule, a
 * 6-minute visibility timeout) due now, so tests need not wait.
 */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  private readonly listeners = new Set<() => void>();

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** How far ahead of real time this clock is. */
  offset(): number {
    return this.offsetMs;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Moves forward only: going back could deliver a message twice or fire a schedule again. */
  advance(milliseconds: number): void {
    if (!Number.isFinite(milliseconds) || milliseconds < 0) throw new RangeError(`advance: milliseconds must be a finite number >= 0, got ${milliseconds}`);
    this.offsetMs += milliseconds;
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
