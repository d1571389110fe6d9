// A batch's sends to rate-limited endpoints take their slot here (see domain/rate-limit.ts). The
// jobs of a batch reach their sends in the same turn of the event loop, so the requests for one
// endpoint made in that turn share one reservation: one write per batch and endpoint, whatever
// the number of sends.
import type { Endpoint } from '../domain/model';
import { endpointKey } from './delivery-store';

export type LimitedEndpoint = Endpoint & { readonly rateLimit: number };

interface Waiter {
  resolve(slot: number): void;
  reject(error: unknown): void;
}

export class SendSlots {
  private readonly pending = new Map<string, { endpoint: LimitedEndpoint; waiters: Waiter[] }>();

  /** `reserve` answers `count` slots (epoch ms). */
  constructor(private readonly reserve: (endpoint: LimitedEndpoint, count: number) => Promise<number[]>) {}

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
      const slots = await this.reserve(entry.endpoint, entry.waiters.length);
      entry.waiters.forEach((waiter, index) => waiter.resolve(slots[index]!));
    } catch (error) {
      for (const waiter of entry.waiters) waiter.reject(error);
    }
  }
}

export function isRateLimited(endpoint: Endpoint): endpoint is LimitedEndpoint {
  return endpoint.rateLimit !== undefined;
}
