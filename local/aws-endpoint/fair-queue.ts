// SQS fair queues (a standard queue whose messages carry a MessageGroupId), as AWS documents
// them in "How Amazon SQS fair queues work": the group is the message's tenant (no group: a tenant
// of its own per message). A tenant is noisy when it holds more than 10% of the queue's in-flight
// messages and at least 30 of its own, or more than 10% of the recent consumer processing time
// (receive to delete). While a tenant is noisy, receives get quiet tenants' visible messages
// first, and among noisy tenants the one with the fewest in flight; noisy messages are never
// dropped or held back when nothing else waits. A noisy tenant turns quiet once its backlog is
// drained or it sent nothing for 5 minutes. AWS detects this across a distributed fleet with
// approximate thresholds; here it is exact, evaluated on every receive (local/README.md says
// what differs).

/** The tenant of a message with a MessageGroupId is the group; a message without one is its own. */
export function tenantOf(message: { messageId: string; messageGroupId?: string }): string {
  // A space cannot occur in a MessageGroupId, so a message's own tenant never meets a group's.
  return message.messageGroupId ?? ` ${message.messageId}`;
}

export const FAIR_QUEUE_RULES = {
  /** Noisy by concurrency: more than this share of the queue's in-flight messages ... */
  inFlightShare: 0.1,
  /** ... and at least this many of its own in flight. */
  minInFlight: 30,
  /** Noisy by processing time: more than this share of the recent consumer processing time. */
  processingTimeShare: 0.1,
  /** "Recent", which AWS leaves open: deletes within this window count (and the time so far of messages in flight). */
  processingWindowMs: 60_000,
  /** A noisy tenant that sent nothing for this long is quiet again. */
  idleMs: 5 * 60_000,
} as const;

/** One tenant's messages on a queue at the moment of a receive. */
export interface TenantLoad {
  inFlight: number;
  /** Visible messages, in queue order: the tenant's backlog. */
  visible: number;
  /** Its newest message's SentTimestamp (epoch ms). */
  lastSentAt: number;
  /** Time so far (ms) of its messages in flight: consumer time already spent on them. */
  inFlightMs: number;
}

interface ProcessingSample {
  at: number;
  tenant: string;
  ms: number;
}

/** Which tenants of one queue are noisy, and the processing times that decide it. */
export class FairQueueTenants {
  private readonly noisy = new Set<string>();
  private readonly samples: ProcessingSample[] = []; // oldest first
  private readonly recentMs = new Map<string, number>();
  private recentTotalMs = 0;

  /** A message deleted `ms` after it was received: consumer time spent on its tenant. */
  recordProcessing(tenant: string, ms: number, now: number): void {
    const sample = { at: now, tenant, ms: Math.max(0, ms) };
    this.samples.push(sample);
    this.recentMs.set(tenant, (this.recentMs.get(tenant) ?? 0) + sample.ms);
    this.recentTotalMs += sample.ms;
  }

  isNoisy(tenant: string): boolean {
    return this.noisy.has(tenant);
  }

  noisyTenants(): string[] {
    return [...this.noisy];
  }

  /** Re-evaluates every tenant from the queue's messages now (all tenants with a message stored). */
  update(loads: ReadonlyMap<string, TenantLoad>, now: number): void {
    this.forgetBefore(now - FAIR_QUEUE_RULES.processingWindowMs);
    const idle = (load: TenantLoad) => now - load.lastSentAt >= FAIR_QUEUE_RULES.idleMs;
    for (const tenant of this.noisy) {
      const load = loads.get(tenant);
      if (!load || load.visible === 0 || idle(load)) this.noisy.delete(tenant);
    }
    let totalInFlight = 0;
    let totalMs = this.recentTotalMs;
    for (const load of loads.values()) {
      totalInFlight += load.inFlight;
      totalMs += load.inFlightMs;
    }
    for (const [tenant, load] of loads) {
      // Only a tenant with a backlog can be ordered later; an idle one is quiet whatever its share.
      if (this.noisy.has(tenant) || load.visible === 0 || idle(load)) continue;
      const byConcurrency = load.inFlight >= FAIR_QUEUE_RULES.minInFlight && load.inFlight > FAIR_QUEUE_RULES.inFlightShare * totalInFlight;
      const tenantMs = (this.recentMs.get(tenant) ?? 0) + load.inFlightMs;
      const byProcessingTime = totalMs > 0 && tenantMs > FAIR_QUEUE_RULES.processingTimeShare * totalMs;
      if (byConcurrency || byProcessingTime) this.noisy.add(tenant);
    }
  }

  /** After a receive: a noisy tenant whose backlog it took to the last message is quiet again. */
  settle(loads: ReadonlyMap<string, TenantLoad>): void {
    for (const tenant of this.noisy) if ((loads.get(tenant)?.visible ?? 0) === 0) this.noisy.delete(tenant);
  }

  private forgetBefore(oldest: number): void {
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.at < oldest) {
      const { tenant, ms } = this.samples[drop]!;
      const left = (this.recentMs.get(tenant) ?? 0) - ms;
      if (left > 0) this.recentMs.set(tenant, left);
      else this.recentMs.delete(tenant);
      this.recentTotalMs -= ms;
      drop += 1;
    }
    if (drop > 0) this.samples.splice(0, drop);
    if (this.samples.length === 0) this.recentTotalMs = 0; // no float drift left behind
  }
}

/**
 * The order a receive takes visible messages in: quiet tenants' first, in queue order; then, one
 * at a time, the next message of the noisy tenant with the fewest in flight, counting what this
 * receive took already (a tie goes to the tenant whose next message is older in the queue).
 */
export function* fairReceiveOrder<M>(
  visible: readonly M[],
  tenantOfMessage: (message: M) => string,
  isNoisy: (tenant: string) => boolean,
  inFlight: (tenant: string) => number,
): Generator<M, void, undefined> {
  const noisy = new Map<string, { waiting: { message: M; index: number }[]; inFlight: number }>();
  const quiet: M[] = [];
  visible.forEach((message, index) => {
    const tenant = tenantOfMessage(message);
    if (!isNoisy(tenant)) {
      quiet.push(message);
      return;
    }
    const entry = noisy.get(tenant) ?? { waiting: [], inFlight: inFlight(tenant) };
    entry.waiting.push({ message, index });
    noisy.set(tenant, entry);
  });
  yield* quiet;
  for (;;) {
    let pick: { waiting: { message: M; index: number }[]; inFlight: number } | undefined;
    for (const entry of noisy.values()) {
      if (entry.waiting.length === 0) continue;
      if (!pick || entry.inFlight < pick.inFlight || (entry.inFlight === pick.inFlight && entry.waiting[0]!.index < pick.waiting[0]!.index)) pick = entry;
    }
    if (!pick) return;
    pick.inFlight += 1;
    yield pick.waiting.shift()!.message;
  }
}
