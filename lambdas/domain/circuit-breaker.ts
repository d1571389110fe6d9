// A circuit breaker per endpoint, so one endpoint that hangs cannot hold the dispatcher's
// concurrency: after consecutive timed-out attempts (each held an invocation for the whole
// deadline) the circuit opens for a cool-down, and attempts due meanwhile are recorded as failed
// without a request (error class `circuit_open`) and go on along the guide's retry schedule.
// After the cool-down one attempt is let through as a probe: success closes the circuit, another
// timeout opens it again. Quick failures (an HTTP error, a refused connection) hold nothing up, so
// they only take the retry schedule and never open the circuit.
//
// This object is one dispatcher instance's view. The circuit is shared through the endpoint item:
// the instance that opens it stores when it reopens (`circuitOpenUntil`), and the value stays
// until a probe closes it. So after a cool-down every instance is half-open, and the caller
// claims the one probe on the endpoint item (see DeliveryService): one invocation waits on a
// hanging endpoint per cool-down, however many instances there are. Only retries probe (the
// caller says which attempts may), so that invocation is in the retry lane, never holding a
// batch of producer events.
import { storedTimeMs } from './stored-time';

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

/** What a sent attempt did to the circuit: opened it until a time, closed it, or nothing. */
export type BreakerChange = { readonly kind: 'opened'; readonly until: Date } | { readonly kind: 'closed' } | undefined;

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
   * Decides one attempt. `sharedOpenUntil` is what the endpoint item holds: present while the
   * circuit is open or half-open anywhere. In a cool-down every attempt is refused; after it, one
   * probe at a time per instance is let through (the caller makes it the only one overall), if
   * the attempt `mayProbe`; others are refused until a probe closes the circuit.
   */
  permit(endpointKey: string, sharedOpenUntil?: string, mayProbe = true): BreakerPermit {
    const openUntil = this.openUntil(endpointKey, sharedOpenUntil);
    if (openUntil > this.now()) return 'refuse';
    const circuit = this.circuits.get(endpointKey);
    const halfOpen = (circuit !== undefined && circuit.openUntil !== 0) || storedTimeMs(sharedOpenUntil) !== 0;
    if (!halfOpen) return 'send';
    if (!mayProbe) return 'refuse';
    const state = circuit ?? { timeouts: 0, openUntil, probing: false };
    this.circuits.set(endpointKey, state);
    if (state.probing) return 'refuse';
    state.probing = true;
    return 'probe';
  }

  /** True while the endpoint is in a cool-down (here or, as stored, anywhere): every attempt is refused. */
  coolingDown(endpointKey: string, sharedOpenUntil?: string): boolean {
    return this.openUntil(endpointKey, sharedOpenUntil) > this.now();
  }

  /** Epoch ms until which the circuit is open: this instance's view or the stored one, the later. */
  private openUntil(endpointKey: string, sharedOpenUntil: string | undefined): number {
    return Math.max(this.circuits.get(endpointKey)?.openUntil ?? 0, storedTimeMs(sharedOpenUntil));
  }

  /** Another instance holds the probe: this one's attempt is refused like any in a cool-down. */
  probeTakenElsewhere(endpointKey: string): void {
    const circuit = this.circuits.get(endpointKey);
    if (circuit) circuit.probing = false;
  }

  /** Records a sent attempt's result, and whether it opened or closed the circuit. */
  record(endpointKey: string, result: AttemptResult): BreakerChange {
    const circuit = this.circuits.get(endpointKey) ?? { timeouts: 0, openUntil: 0, probing: false };
    this.circuits.set(endpointKey, circuit);
    const wasProbe = circuit.probing;
    circuit.probing = false;
    // Any answer to a probe, even a quick failure, means the endpoint responds again.
    if (result === 'success' || (wasProbe && result === 'failure')) {
      this.circuits.delete(endpointKey);
      return wasProbe ? { kind: 'closed' } : undefined;
    }
    circuit.timeouts = result === 'timeout' ? circuit.timeouts + 1 : 0;
    const trips = result === 'timeout' && (wasProbe || circuit.timeouts >= this.settings.timeoutThreshold);
    if (!trips) return undefined;
    circuit.openUntil = this.now() + this.settings.cooldownMs;
    circuit.timeouts = 0;
    return { kind: 'opened', until: new Date(circuit.openUntil) };
  }
}
