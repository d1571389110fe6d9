// DeliveryStore in memory, with the same conditions as the DynamoDB one (a create only once, an
// attempt only by its claimant, a claim only on the expected attempt), for DeliveryService's
// unit tests: milliseconds, no DynamoDB.
import type { BatchRead, Claim, DeliveryStore, LogEntry, RejectedEvent } from '../../lambdas/delivery/delivery-store';
import { endpointKey } from '../../lambdas/delivery/delivery-store';
import type { EndpointHealthUpdate } from '../../lambdas/domain/endpoint-health';
import type { Account, Delivery, DeliveryStatus, Endpoint } from '../../lambdas/domain/model';
import { reservedSlots, slotSpacingMs } from '../../lambdas/domain/rate-limit';

export class InMemoryDeliveryStore implements DeliveryStore {
  readonly accounts = new Map<string, Account>();
  readonly endpoints = new Map<string, Endpoint>();
  readonly deliveries = new Map<string, Delivery>();
  readonly claims = new Map<string, { attempt: number; expiresAt: number }>();
  /** Each appendLog: the lines, and `filtered` (by endpoint id) only when some count is above 0, as the DynamoDB store writes it. */
  readonly log: { accountId: string; entries: LogEntry[]; filtered?: Map<string, number> }[] = [];
  readonly rejected: RejectedEvent[] = [];
  /** Writes to endpoint items, to check a busy endpoint is not written per delivery. */
  endpointWrites = 0;
  /** How many deliveries each createDeliveries call wrote, to check a batch's records go together. */
  readonly createCalls: number[] = [];
  /** Refused attempts recorded without a claim (recordRefusal). */
  refusalsRecorded = 0;

  putAccount(account: Account): void {
    this.accounts.set(account.accountId, account);
  }

  putEndpoint(endpoint: Endpoint): void {
    this.endpoints.set(endpointKey(endpoint.accountId, endpoint.endpointId), endpoint);
  }

  endpoint(accountId: string, endpointId: string): Endpoint | undefined {
    return this.endpoints.get(endpointKey(accountId, endpointId));
  }

  patchEndpoint(accountId: string, endpointId: string, changes: Partial<Endpoint>): void {
    const current = this.endpoint(accountId, endpointId);
    if (!current) throw new Error(`no endpoint ${endpointId}`);
    this.putEndpoint({ ...current, ...changes });
  }

  async getAccount(accountId: string) {
    return this.accounts.get(accountId);
  }

  async listEndpoints(accountId: string) {
    return [...this.endpoints.values()].filter((endpoint) => endpoint.accountId === accountId);
  }

  async readBatch({ deliveryIds, newDeliveryIds, endpoints }: BatchRead) {
    const result = { deliveries: new Map<string, Delivery>(), endpoints: new Map<string, Endpoint>() };
    for (const id of [...deliveryIds, ...newDeliveryIds]) {
      const delivery = this.deliveries.get(id);
      if (delivery) result.deliveries.set(id, delivery);
    }
    for (const { accountId, endpointId } of endpoints) {
      const endpoint = this.endpoint(accountId, endpointId);
      if (endpoint) result.endpoints.set(endpointKey(accountId, endpointId), endpoint);
    }
    return result;
  }

  async appendLog(accountId: string, entries: readonly LogEntry[], _at: Date, filtered?: ReadonlyMap<string, number>) {
    const counted = [...(filtered ?? [])].filter(([, count]) => count > 0);
    this.log.push({ accountId, entries: [...entries], ...(counted.length > 0 ? { filtered: new Map(counted) } : {}) });
  }

  async createDeliveries(deliveries: readonly Delivery[]) {
    this.createCalls.push(deliveries.length);
    return deliveries.map((delivery) => {
      if (this.deliveries.has(delivery.deliveryId)) return false;
      this.deliveries.set(delivery.deliveryId, delivery);
      this.claims.set(delivery.deliveryId, { attempt: delivery.attemptCount, expiresAt: 0 });
      return true;
    });
  }

  /** The DynamoDB store's claim condition: attempt `attempt` of a pending delivery that nobody holds. */
  private unclaimed(deliveryId: string, attempt: number, now: Date): boolean {
    const delivery = this.deliveries.get(deliveryId);
    const held = this.claims.get(deliveryId);
    if (!delivery || delivery.status !== 'pending' || delivery.attemptCount !== attempt - 1) return false;
    return !(held && held.attempt >= attempt && held.expiresAt >= now.getTime());
  }

  async claimAttempt(deliveryId: string, claim: Claim, now: Date) {
    if (!this.unclaimed(deliveryId, claim.attempt, now)) return false;
    this.claims.set(deliveryId, { attempt: claim.attempt, expiresAt: claim.leaseUntil.getTime() });
    return true;
  }

  async recordAttempt(next: Delivery) {
    const current = this.deliveries.get(next.deliveryId);
    const held = this.claims.get(next.deliveryId);
    if (!current || current.status !== 'pending' || current.attemptCount !== next.attemptCount - 1 || held?.attempt !== next.attemptCount) return false;
    this.deliveries.set(next.deliveryId, next);
    return true;
  }

  async recordRefusal(next: Delivery, now: Date) {
    if (!this.unclaimed(next.deliveryId, next.attemptCount, now)) return false;
    this.refusalsRecorded += 1;
    this.claims.set(next.deliveryId, { attempt: next.attemptCount, expiresAt: 0 });
    this.deliveries.set(next.deliveryId, next);
    return true;
  }

  async closeDelivery(deliveryId: string, status: Extract<DeliveryStatus, 'skipped' | 'failed'>, reason: string, at: string) {
    const current = this.deliveries.get(deliveryId);
    if (!current || current.status !== 'pending') return false;
    const { nextAttemptAt: _next, ...rest } = current;
    this.deliveries.set(deliveryId, { ...rest, status, reason, updatedAt: at });
    return true;
  }

  /** What the API's redeliver does: a finished delivery pending again for one more attempt. */
  reopen(deliveryId: string): void {
    const current = this.deliveries.get(deliveryId);
    if (!current) throw new Error(`no delivery ${deliveryId}`);
    const { reason: _reason, ...rest } = current;
    this.deliveries.set(deliveryId, { ...rest, status: 'pending', retryScheduledFor: current.attemptCount + 1 });
  }

  async updateEndpointHealth(accountId: string, endpointId: string, update: EndpointHealthUpdate) {
    const current = this.endpoint(accountId, endpointId);
    if (!current) return 0;
    this.endpointWrites += 1;
    const consecutiveFailures =
      update.succeededAt !== undefined ? (update.failedDeliveries ?? 0) : current.consecutiveFailures + (update.failedDeliveries ?? 0);
    this.putEndpoint({
      ...current,
      consecutiveFailures,
      ...(update.succeededAt ? { lastSuccessAt: update.succeededAt } : {}),
      ...(update.failedAt ? { lastFailureAt: update.failedAt } : {}),
      ...(update.circuitOpenUntil ? { circuitOpenUntil: update.circuitOpenUntil } : {}),
      ...(update.slowUntil ? { slowUntil: update.slowUntil } : {}),
      ...(update.provenAt && !current.provenAt ? { provenAt: update.provenAt } : {}),
    });
    if (update.closeCircuit && !update.circuitOpenUntil) {
      const { circuitOpenUntil: _closed, ...rest } = this.endpoint(accountId, endpointId)!;
      this.putEndpoint(rest);
    }
    return consecutiveFailures;
  }

  /** Probes claimed on endpoint items, to check only one instance probes a half-open circuit. */
  probeClaims = 0;
  /** reserveSendSlots calls: one per batch and limited endpoint. */
  slotReservations = 0;
  /** Pilots of not-yet-proven endpoints, and the writes claiming and releasing them. */
  readonly pilots = new Map<string, { holder: string; until: number }>();
  pilotWrites = 0;
  /** Rate-limited endpoints' schedules: the next free slot (epoch ms). */
  readonly sendSchedules = new Map<string, number>();

  async claimProbe(accountId: string, endpointId: string, seenOpenUntil: string, holdUntil: string) {
    const current = this.endpoint(accountId, endpointId);
    if (!current || current.circuitOpenUntil !== seenOpenUntil) return false;
    this.probeClaims += 1;
    this.endpointWrites += 1;
    this.putEndpoint({ ...current, circuitOpenUntil: holdUntil });
    return true;
  }

  /** The same rule as the DynamoDB store, one write per call: restart a lagging schedule at now, or extend it. */
  async reserveSendSlots(endpoint: Endpoint & { readonly rateLimit: number }, count: number, now: Date) {
    const id = endpointKey(endpoint.accountId, endpoint.endpointId);
    const current = this.sendSchedules.get(id);
    const span = count * slotSpacingMs(endpoint.rateLimit);
    const next = current === undefined || current < now.getTime() ? now.getTime() + span : current + span;
    this.sendSchedules.set(id, next);
    this.slotReservations += 1;
    return reservedSlots(next, count, endpoint.rateLimit);
  }

  async claimPilot(accountId: string, endpointId: string, holder: string, until: Date, now: Date) {
    const id = endpointKey(accountId, endpointId);
    const current = this.pilots.get(id);
    this.pilotWrites += 1;
    if (current && current.until >= now.getTime()) return false;
    this.pilots.set(id, { holder, until: until.getTime() });
    return true;
  }

  async releasePilot(accountId: string, endpointId: string, holder: string) {
    const id = endpointKey(accountId, endpointId);
    this.pilotWrites += 1;
    if (this.pilots.get(id)?.holder === holder) this.pilots.delete(id);
  }

  async disableEndpoint(accountId: string, endpointId: string, reason: string, at: string) {
    const current = this.endpoint(accountId, endpointId);
    if (!current || current.status !== 'active') return false;
    this.endpointWrites += 1;
    this.putEndpoint({ ...current, status: 'disabled', disabledReason: reason, disabledAt: at });
    return true;
  }

  async saveRejectedEvent(rejected: RejectedEvent) {
    this.rejected.push(rejected);
  }
}
