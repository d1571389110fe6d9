// What the chaos runs (chaos/run.ts, chaos/tenants.ts) share of the management API: calls with an
// account's key, retried on 5xx and network errors; the final state of every expected delivery; the
// events they publish.
import { setTimeout as sleep } from 'node:timers/promises';
import { deliveryIdFor } from '../lambdas/domain/ids';
import type { FinalStatus } from './metrics';

export class Api {
  constructor(
    private readonly base: string,
    private readonly key: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await fetch(`${this.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const parsed = (await response.json()) as T;
        if (response.status >= 500 && attempt < 5) throw new Error(`HTTP ${response.status}`);
        return { status: response.status, body: parsed };
      } catch (error) {
        if (attempt >= 5) throw error;
        await sleep(500 * attempt);
      }
    }
  }
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * Final states in bulk from each endpoint's attempt log (a succeeded attempt, or a failed one with
 * no next retry, ends its delivery); GET /v1/deliveries/{id} for every delivery the log leaves open.
 */
export async function readFinalStates(
  api: Api,
  accountId: string,
  eventIds: readonly string[],
  endpointIds: readonly string[],
  log: (line: string) => void,
): Promise<{ finals: Map<string, FinalStatus | 'pending' | 'missing'>; recordedSuccesses: Map<string, number> }> {
  const finals = new Map<string, FinalStatus | 'pending' | 'missing'>();
  const recordedSuccesses = new Map<string, number>();
  const successKeys = new Set<string>();
  const latest = new Map<string, { attempt: number; outcome: string; nextRetryAt?: string }>();
  for (const endpointId of endpointIds) {
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: Array<{ deliveryId: string; attempt: number; attemptedAt: string; outcome: string; nextRetryAt?: string }>; nextCursor: string | null } } = await api.call(
        'GET',
        `/v1/endpoints/${endpointId}/deliveries?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      for (const attempt of page.body.data ?? []) {
        // The log can list one attempt twice (an event redelivered after a kill logs its delivery again).
        if (attempt.outcome === 'succeeded') successKeys.add(`${attempt.deliveryId}|${attempt.attempt}|${attempt.attemptedAt}`);
        const known = latest.get(attempt.deliveryId);
        if (!known || attempt.attempt > known.attempt) latest.set(attempt.deliveryId, attempt);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
  }
  for (const key of successKeys) {
    const deliveryId = key.split('|')[0]!;
    recordedSuccesses.set(deliveryId, (recordedSuccesses.get(deliveryId) ?? 0) + 1);
  }
  const open: string[] = [];
  for (const eventId of eventIds) {
    for (const endpointId of endpointIds) {
      const deliveryId = deliveryIdFor(accountId, eventId, endpointId);
      const last = latest.get(deliveryId);
      if (last?.outcome === 'succeeded') finals.set(deliveryId, 'succeeded');
      else if (last?.outcome === 'failed' && !last.nextRetryAt) finals.set(deliveryId, 'failed');
      else open.push(deliveryId);
    }
  }
  log(`attempt logs settle ${finals.size} deliveries; asking GET /v1/deliveries/{id} for the other ${open.length}`);
  await pool(open, 8, async (deliveryId) => {
    const delivery = await api.call<{ status?: string }>('GET', `/v1/deliveries/${deliveryId}`);
    const status = delivery.body.status;
    if (status === 'succeeded' || status === 'failed' || status === 'skipped' || status === 'pending') finals.set(deliveryId, status);
    else finals.set(deliveryId, 'missing');
  });
  return { finals, recordedSuccesses };
}

export function clickData(index: number): Record<string, unknown> {
  return {
    click_id: `chaos${String(index).padStart(8, '0')}`,
    link_id: 42,
    link_slug: 'chaos-offer',
    destination_url: 'https://offer.example.com/landing',
    ip: '203.0.113.42',
    country: 'US',
    device: 'mobile',
    is_unique: true,
    fraud_flags: [],
  };
}
