// A batch's sends to rate-limited endpoints take their slot here (see domain/rate-limit.ts). The
// jobs of a batch reach their sends in the same turn of the event loop, so the requests for one
// endpoint made in that turn share one reservation: one write per batch and endpoint, whatever
// the number of sends. Slots start no earlier than the reservation's own round trip from now: a
// slot that has passed by the time the write answers would be sent at once, together with the
// next ones (a throttled or busy table made bursts of that).
import type { Endpoint } from '../domain/model';
import { endpointKey } from './delivery-store';

export type LimitedEndpoint = Endpoint & { readonly rateLimit: number };

interface Waiter {
  resolve(slot: number): void;
  reject(error: unknown): void;
}

/** The first reservation's guess at its round trip, before any was timed. */
const INITIAL_LEAD_MS = 50;
/** Weight of the newest round trip in the running estimate. */
const LEAD_WEIGHT = 0.3;

/** How long reservations take on this instance: slots are asked for from now plus that. */
export class ReservationLead {
  constructor(private estimateMs: number = INITIAL_LEAD_MS) {}

  get ms(): number {
    return this.estimateMs;
  }

  observe(roundTripMs: number): void {
    this.estimateMs = (1 - LEAD_WEIGHT) * this.estimateMs + LEAD_WEIGHT * roundTripMs;
  }
}

export class SendSlots {
  private readonly pending = new Map<string, { endpoint: LimitedEndpoint; waiters: Waiter[] }>();

  /** `reserve` answers `count` slots (epoch ms), none before `from`. */
  constructor(
    private readonly reserve: (endpoint: LimitedEndpoint, count: number, from: Date) => Promise<number[]>,
    private readonly lead: ReservationLead,
    private readonly now: () => number,
  ) {}

  /** The time this send may be made at. */
  take(endpoint: LimitedEndpoint): Promise<number> {
    const key = endpointKey(endpoint.accountId, endpoint.endpointId);
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { endpoint, waiters: [] };
      this.pending.set(key, entry);
      setImmediate(() => void this.flush(key));
    }
    const { waiters } = entry;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  private async flush(key: string): Promise<void> {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    try {
      const startedAt = this.now();
      const slots = await this.reserve(entry.endpoint, entry.waiters.length, new Date(startedAt + this.lead.ms));
      this.lead.observe(this.now() - startedAt);
      entry.waiters.forEach((waiter, index) => waiter.resolve(slots[index]!));
    } catch (error) {
      for (const waiter of entry.waiters) waiter.reject(error);
    }
  }
}

export function isRateLimited(endpoint: Endpoint): endpoint is LimitedEndpoint {
  return endpoint.rateLimit !== undefined;
}
