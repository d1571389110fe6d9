// A circuit breaker per endpoint, so one endpoint that hangs cannot hold the dispatcher's
// concurrency: after consecutive timed-out attempts (each held an invocation for the whole
// deadline) the circuit opens for a cool-down, and attempts due meanwhile are recorded as failed
// without a request (error class `circuit_open`) and go on along the guide's retry schedule.
// After the cool-down one attempt is let through as a probe: success closes the circuit, another
// timeout opens it again. Quick failures (an HTTP error, a refused connection) hold nothing up, so
// they only take the retry schedule and never open the circuit.
//
// This object is one dispatcher instance's view; the instance that opens a circuit also stores
// the time it reopens on the endpoint, so every other instance sees it at its next batch.

export interface BreakerSettings {
  /** Consecutive timed-out attempts that open the circuit. */
  readonly timeoutThreshold: number;
  readonly cooldownMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = Object.freeze({ timeoutThreshold: 2, cooldownMs: 30_000 });

/** The cool-down never outlasts the first retry delay, so a short schedule is not used up refusing. */
export function breakerSettingsFor(retrySchedule: readonly number[]): BreakerSettings {
  const firstDelayMs = (retrySchedule[0] ?? Infinity) * 1000;
  return { ...DEFAULT_BREAKER_SETTINGS, cooldownMs: Math.min(DEFAULT_BREAKER_SETTINGS.cooldownMs, firstDelayMs) };
}

/** What to do with the next attempt: send it, send it as the one probe after a cool-down, or not send it. */
export type BreakerPermit = 'send' | 'probe' | 'refuse';

export type AttemptResult = 'success' | 'failure' | 'timeout';

interface EndpointCircuit {
  timeouts: number;
  /** Epoch ms; 0 when the circuit has not opened since it last closed. */
  openUntil: number;
  probing: boolean;
}

export class CircuitBreakers {
  private readonly circuits = new Map<string, EndpointCircuit>();

  constructor(
    private readonly settings: BreakerSettings = DEFAULT_BREAKER_SETTINGS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Decides one attempt. `sharedOpenUntil` is what another instance stored on the endpoint.
   * In a cool-down every attempt is refused; after it, one probe at a time is let through.
   */
  permit(endpointKey: string, sharedOpenUntil?: string): BreakerPermit {
    const circuit = this.circuits.get(endpointKey);
    const shared = sharedOpenUntil === undefined ? 0 : Date.parse(sharedOpenUntil);
    const openUntil = Math.max(circuit?.openUntil ?? 0, Number.isNaN(shared) ? 0 : shared);
    const now = this.now();
    if (openUntil > now) return 'refuse';
    if (!circuit || circuit.openUntil === 0) return 'send';
    if (circuit.probing) return 'refuse';
    circuit.probing = true;
    return 'probe';
  }

  /** Records a sent attempt's result; returns the time the circuit reopens if it has just opened. */
  record(endpointKey: string, result: AttemptResult): Date | undefined {
    const circuit = this.circuits.get(endpointKey) ?? { timeouts: 0, openUntil: 0, probing: false };
    this.circuits.set(endpointKey, circuit);
    const wasProbe = circuit.probing;
    circuit.probing = false;
    if (result === 'success') {
      this.circuits.delete(endpointKey);
      return undefined;
    }
    circuit.timeouts = result === 'timeout' ? circuit.timeouts + 1 : 0;
    const trips = result === 'timeout' && (wasProbe || circuit.timeouts >= this.settings.timeoutThreshold);
    if (!trips) {
      // A probe that failed quickly is still an answer: the endpoint responds again.
      if (wasProbe) this.circuits.delete(endpointKey);
      return undefined;
    }
    circuit.openUntil = this.now() + this.settings.cooldownMs;
    circuit.timeouts = 0;
    return new Date(circuit.openUntil);
  }
}
