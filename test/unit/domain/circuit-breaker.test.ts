import { breakerSettingsFor, CircuitBreakers } from '../../../lambdas/domain/circuit-breaker';

function breakers(cooldownMs = 30_000) {
  let now = 1_000_000;
  const circuits = new CircuitBreakers({ timeoutThreshold: 2, cooldownMs }, () => now);
  return { circuits, advance: (ms: number) => (now += ms), at: (ms: number) => new Date(now + ms) };
}

describe('CircuitBreakers', () => {
  it('opens after two consecutive timeouts and refuses until the cool-down ends', () => {
    const { circuits, advance, at } = breakers();
    expect(circuits.permit('e')).toBe('send');
    expect(circuits.record('e', 'timeout')).toBeUndefined();
    expect(circuits.record('e', 'timeout')).toEqual({ kind: 'opened', until: at(30_000) });
    expect(circuits.permit('e')).toBe('refuse');
    advance(29_999);
    expect(circuits.permit('e')).toBe('refuse');
  });

  it('never opens on quick failures, and a success in between starts the count again', () => {
    const { circuits } = breakers();
    for (let i = 0; i < 50; i += 1) expect(circuits.record('e', 'failure')).toBeUndefined();
    circuits.record('e', 'timeout');
    circuits.record('e', 'success');
    expect(circuits.record('e', 'timeout')).toBeUndefined();
    expect(circuits.permit('e')).toBe('send');
  });

  it('lets one probe through after the cool-down: a timeout reopens, an answer closes', () => {
    const { circuits, advance, at } = breakers();
    circuits.record('e', 'timeout');
    circuits.record('e', 'timeout');
    advance(30_000);
    expect(circuits.permit('e')).toBe('probe');
    expect(circuits.permit('e')).toBe('refuse');
    expect(circuits.record('e', 'timeout')).toEqual({ kind: 'opened', until: at(30_000) });
    advance(30_000);
    expect(circuits.permit('e')).toBe('probe');
    expect(circuits.record('e', 'failure')).toEqual({ kind: 'closed' });
    expect(circuits.permit('e')).toBe('send');
  });

  it("honours another instance's circuit stored on the endpoint: open, then half-open until a probe closes it", () => {
    const { circuits, at } = breakers();
    expect(circuits.permit('e', at(5_000).toISOString())).toBe('refuse');
    // Past its cool-down but not closed yet: this instance, too, may only probe.
    expect(circuits.permit('e', at(-1).toISOString())).toBe('probe');
    expect(circuits.permit('e', at(-1).toISOString())).toBe('refuse');
    expect(circuits.record('e', 'success')).toEqual({ kind: 'closed' });
    expect(circuits.permit('e')).toBe('send');
    expect(circuits.permit('other')).toBe('send');
  });

  it('refuses a half-open attempt that may not probe, and leaves the probe to one that may', () => {
    const { circuits, at } = breakers();
    expect(circuits.permit('e', at(-1).toISOString(), false)).toBe('refuse');
    expect(circuits.permit('e', at(-1).toISOString(), true)).toBe('probe');
    expect(circuits.record('e', 'success')).toEqual({ kind: 'closed' });
    // Closed: every attempt is sent again, first attempts included.
    expect(circuits.permit('e', undefined, false)).toBe('send');
  });

  it('tells a cool-down apart from half-open, from its own view or the stored one, without taking the probe', () => {
    const { circuits, advance, at } = breakers();
    expect(circuits.coolingDown('e')).toBe(false);
    expect(circuits.coolingDown('e', at(5_000).toISOString())).toBe(true);
    expect(circuits.coolingDown('e', at(-1).toISOString())).toBe(false);
    circuits.record('e', 'timeout');
    circuits.record('e', 'timeout');
    expect(circuits.coolingDown('e')).toBe(true);
    advance(30_000);
    expect(circuits.coolingDown('e')).toBe(false);
    expect(circuits.permit('e')).toBe('probe');
  });

  it('gives the probe back when another instance took it', () => {
    const { circuits, at } = breakers();
    expect(circuits.permit('e', at(-1).toISOString())).toBe('probe');
    circuits.probeTakenElsewhere('e');
    expect(circuits.permit('e', at(-1).toISOString())).toBe('probe');
  });

  it('keeps the cool-down within the first retry delay', () => {
    expect(breakerSettingsFor([60, 300]).cooldownMs).toBe(30_000);
    expect(breakerSettingsFor([2, 4]).cooldownMs).toBe(2_000);
  });
});
