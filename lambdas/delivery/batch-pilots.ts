// The pilots one batch holds (see domain/first-contact.ts): one claim per not-yet-proven endpoint,
// shared by the batch's first attempts to it, and given back at the end unless a quick answer proved
// the endpoint (then its provenAt lets every batch send inline, and the claim just runs out). A claim
// that fails (the table unreachable after the client's retries) counts as taken by someone else: the
// first attempts wait in the retry lane rather than the event coming back minutes later.
import { randomUUID } from 'node:crypto';
import type { Endpoint } from '../domain/model';
import { type DeliveryStore, endpointKey } from './delivery-store';

export class BatchPilots {
  /** This batch, as the pilot's holder. */
  private readonly holder = randomUUID();
  private readonly claims = new Map<string, { endpoint: Endpoint; won: Promise<boolean> }>();

  constructor(
    private readonly store: Pick<DeliveryStore, 'claimPilot' | 'releasePilot'>,
    /** How long a claim lasts if its batch never gives it back (a dispatcher that died). */
    private readonly leaseMs: number,
    private readonly now: () => Date,
  ) {}

  /** Whether this batch may send to the endpoint inline: it holds (or just took) its pilot. */
  take(endpoint: Endpoint): Promise<boolean> {
    const key = endpointKey(endpoint.accountId, endpoint.endpointId);
    let claim = this.claims.get(key);
    if (!claim) {
      const now = this.now();
      const won = this.store.claimPilot(endpoint.accountId, endpoint.endpointId, this.holder, new Date(now.getTime() + this.leaseMs), now).catch(() => false);
      claim = { endpoint, won };
      this.claims.set(key, claim);
    }
    return claim.won;
  }

  /** Gives back every pilot held but for the endpoints `proven` names (endpoint keys). */
  async release(proven: ReadonlySet<string>): Promise<void> {
    await Promise.all(
      [...this.claims].map(async ([key, claim]) => {
        if (proven.has(key) || !(await claim.won)) return;
        await this.store.releasePilot(claim.endpoint.accountId, claim.endpoint.endpointId, this.holder);
      }),
    );
  }
}
