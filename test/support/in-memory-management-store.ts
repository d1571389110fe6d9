// The management API's storage ports (lambdas/api/services/ports.ts) in memory, with the DynamoDB
// stores' conditions (the quota in one step with the create, a rotation only from the secret the
// caller saw, a reopen only of the delivery as the caller saw it), so the services' rules are
// unit-tested in milliseconds. Shaped like ManagementStore: pass it as a service's `store`.
import { InvalidCursorError } from '../../lambdas/adapters/management/cursor';
import { type AttemptPage, type DeliveryFilters, type DeliveryPage, matchesDeliveryFilters } from '../../lambdas/adapters/management/delivery-log-store';
import type { CreateEndpointResult, EndpointChanges, SecretRotation } from '../../lambdas/adapters/management/endpoint-store';
import type { DeliveryRecords, EndpointRecords, HourlyCountRecords, PortalLinkRecords } from '../../lambdas/api/services/ports';
import type { HourlyCounts } from '../../lambdas/counts/hourly-counts-store';
import type { LogEntry } from '../../lambdas/delivery/delivery-store';
import type { Account, AttemptOutcome, Delivery, Endpoint } from '../../lambdas/domain/model';
import { localSigningKeys } from './local-signing-keys';

const endpointKey = (accountId: string, endpointId: string) => `${accountId}#${endpointId}`;

/** Drops the keys whose value is undefined: a removed attribute, as an UpdateExpression's REMOVE leaves it. */
function withoutUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/** An offset into a list, as the in-memory cursors carry it; anything else is a bad cursor. */
function pageOf<T>(items: readonly T[], options: { limit: number; cursor?: string }): { items: T[]; nextCursor?: string } {
  const offset = options.cursor === undefined ? 0 : Number(/^mem:(\d+)$/.exec(options.cursor)?.[1] ?? NaN);
  if (!Number.isInteger(offset)) throw new InvalidCursorError();
  const end = offset + options.limit;
  return { items: items.slice(offset, end), ...(end < items.length ? { nextCursor: `mem:${end}` } : {}) };
}

const newestFirst = (a: { at: string }, b: { at: string }) => b.at.localeCompare(a.at);

export class InMemoryAccounts {
  readonly byId = new Map<string, Account>();

  put(account: Account): void {
    this.byId.set(account.accountId, account);
  }

  async getAccount(accountId: string): Promise<Account | undefined> {
    return this.byId.get(accountId);
  }
}

export class InMemoryEndpointRecords implements EndpointRecords {
  readonly byKey = new Map<string, Endpoint>();

  constructor(private readonly accounts: InMemoryAccounts) {}

  /** Writes the endpoint as it is, outside the quota (a test's fixture). */
  put(endpoint: Endpoint): void {
    this.byKey.set(endpointKey(endpoint.accountId, endpoint.endpointId), endpoint);
  }

  /** Changes a stored endpoint behind the service's back (another writer). */
  patch(accountId: string, endpointId: string, changes: Partial<Endpoint>): void {
    const current = this.byKey.get(endpointKey(accountId, endpointId));
    if (!current) throw new Error(`no endpoint ${endpointId}`);
    this.put({ ...current, ...changes });
  }

  async createEndpoint(endpoint: Endpoint): Promise<CreateEndpointResult> {
    const account = this.accounts.byId.get(endpoint.accountId);
    if (!account) return 'account_not_found';
    if (!account.webhooksEnabled) return 'webhooks_disabled';
    if (account.endpointCount >= account.maxEndpoints) return 'quota_exceeded';
    this.accounts.put({ ...account, endpointCount: account.endpointCount + 1, updatedAt: endpoint.createdAt });
    this.put(endpoint);
    return 'created';
  }

  async getEndpoint(accountId: string, endpointId: string): Promise<Endpoint | undefined> {
    return this.byKey.get(endpointKey(accountId, endpointId));
  }

  /** Newest first, so a caller that needs an order has to make it. */
  async listEndpoints(accountId: string): Promise<Endpoint[]> {
    return [...this.byKey.values()].filter((endpoint) => endpoint.accountId === accountId).reverse();
  }

  async updateEndpoint(accountId: string, endpointId: string, changes: EndpointChanges, at: string): Promise<Endpoint | undefined> {
    const current = this.byKey.get(endpointKey(accountId, endpointId));
    if (!current) return undefined;
    const { description, rateLimit, filter, redact, headers, status, ...replaced } = changes;
    const updated = withoutUndefined({
      ...current,
      ...replaced,
      ...(description === undefined ? {} : { description: description ?? undefined }),
      ...(rateLimit === undefined ? {} : { rateLimit: rateLimit ?? undefined }),
      ...(filter === undefined ? {} : { filter: filter ?? undefined }),
      ...(redact === undefined ? {} : { redact: redact?.length ? redact : undefined }),
      ...(headers === undefined ? {} : { headers: headers && Object.keys(headers).length > 0 ? headers : undefined }),
      ...(status === 'active'
        ? { status, consecutiveFailures: 0, disabledReason: undefined, disabledAt: undefined, circuitOpenUntil: undefined, slowUntil: undefined }
        : {}),
      ...(status === 'disabled' ? { status, disabledReason: current.disabledReason ?? 'disabled by the account', disabledAt: current.disabledAt ?? at } : {}),
      updatedAt: at,
    });
    this.put(updated);
    return updated;
  }

  async rotateSecret(accountId: string, endpointId: string, rotation: SecretRotation): Promise<Endpoint | undefined> {
    const current = this.byKey.get(endpointKey(accountId, endpointId));
    if (current?.secret !== rotation.expectedSecret) return undefined;
    const rotated = withoutUndefined({
      ...current,
      secret: rotation.newSecret,
      previousSecret: { secret: rotation.expectedSecret, expiresAt: rotation.previousExpiresAt },
      secretActivatesAt: rotation.activatesAt,
      updatedAt: rotation.at,
    });
    this.put(rotated);
    return rotated;
  }

  async deleteEndpoint(accountId: string, endpointId: string, at: string): Promise<boolean> {
    if (!this.byKey.delete(endpointKey(accountId, endpointId))) return false;
    const account = this.accounts.byId.get(accountId);
    if (account && account.endpointCount > 0) this.accounts.put({ ...account, endpointCount: account.endpointCount - 1, updatedAt: at });
    return true;
  }
}

/** A log page as the dispatcher writes one per batch and account. */
interface LoggedPage {
  readonly accountId: string;
  readonly at: string;
  readonly entries: readonly LogEntry[];
}

export class InMemoryDeliveryRecords implements DeliveryRecords {
  readonly byId = new Map<string, Delivery>();
  readonly log: LoggedPage[] = [];

  /** Records the delivery and logs its "created" line at its createdAt, as a dispatcher's batch does. */
  put(delivery: Delivery): void {
    this.byId.set(delivery.deliveryId, delivery);
    this.appendLog(delivery.accountId, delivery.createdAt, [
      { deliveryId: delivery.deliveryId, endpointId: delivery.endpointId, eventType: delivery.eventType, attempt: 1, created: true },
    ]);
  }

  appendLog(accountId: string, at: string, entries: readonly LogEntry[]): void {
    this.log.push({ accountId, at, entries });
  }

  async getDelivery(accountId: string, deliveryId: string): Promise<Delivery | undefined> {
    const delivery = this.byId.get(deliveryId);
    return delivery?.accountId === accountId ? delivery : undefined;
  }

  async getDeliveries(accountId: string, deliveryIds: readonly string[]): Promise<Delivery[]> {
    return [...new Set(deliveryIds)].flatMap((id) => {
      const delivery = this.byId.get(id);
      return delivery?.accountId === accountId ? [delivery] : [];
    });
  }

  async listEndpointAttempts(accountId: string, endpointId: string, options: { limit: number; cursor?: string; outcome?: AttemptOutcome }): Promise<AttemptPage> {
    const attempts = [...this.byId.values()]
      .filter((delivery) => delivery.accountId === accountId && delivery.endpointId === endpointId)
      .flatMap((delivery) => delivery.attempts)
      .filter((attempt) => options.outcome === undefined || attempt.outcome === options.outcome)
      .sort((a, b) => b.attemptedAt.localeCompare(a.attemptedAt));
    return pageOf(attempts, options);
  }

  async listDeliveries(accountId: string, filters: DeliveryFilters, options: { limit: number; cursor?: string }): Promise<DeliveryPage> {
    const deliveries = [...this.byId.values()]
      .filter((delivery) => delivery.accountId === accountId && matchesDeliveryFilters(delivery, filters))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.deliveryId.localeCompare(b.deliveryId));
    return pageOf(deliveries, options);
  }

  async findLoggedDelivery(accountId: string, deliveryId: string, since: Date) {
    for (const page of this.pagesSince(accountId, since.toISOString())) {
      const entry = page.entries.find((candidate) => candidate.created && candidate.deliveryId === deliveryId);
      if (entry) return { deliveryId, endpointId: entry.endpointId, eventType: entry.eventType, loggedAt: page.at };
    }
    return undefined;
  }

  async deliveryIdsSince(accountId: string, endpointId: string, since: string, maxEntries: number) {
    const ids = new Set<string>();
    const entries = this.pagesSince(accountId, since).flatMap((page) => page.entries);
    for (const entry of entries.slice(0, maxEntries)) if (entry.endpointId === endpointId) ids.add(entry.deliveryId);
    return { deliveryIds: [...ids], truncated: entries.length >= maxEntries };
  }

  async reopenDelivery(delivery: Pick<Delivery, 'deliveryId' | 'status' | 'attemptCount'>, at: string): Promise<boolean> {
    const current = this.byId.get(delivery.deliveryId);
    if (!current || current.status !== delivery.status || current.attemptCount !== delivery.attemptCount || current.test !== undefined) return false;
    this.byId.set(
      current.deliveryId,
      withoutUndefined({
        ...current,
        status: 'pending',
        updatedAt: at,
        redeliveredAt: at,
        retryScheduledFor: current.attemptCount + 1,
        reason: undefined,
        nextAttemptAt: undefined,
      }),
    );
    return true;
  }

  async restoreDelivery(delivery: Pick<Delivery, 'deliveryId' | 'status' | 'attemptCount' | 'reason'>, at: string): Promise<boolean> {
    const current = this.byId.get(delivery.deliveryId);
    if (current?.status !== 'pending' || current.attemptCount !== delivery.attemptCount) return false;
    this.byId.set(
      current.deliveryId,
      withoutUndefined({ ...current, status: delivery.status, updatedAt: at, retryScheduledFor: undefined, ...(delivery.reason === undefined ? {} : { reason: delivery.reason }) }),
    );
    return true;
  }

  private pagesSince(accountId: string, since: string): LoggedPage[] {
    return this.log.filter((page) => page.accountId === accountId && page.at >= since).sort(newestFirst);
  }
}

export class InMemoryHourlyCounts implements HourlyCountRecords {
  private readonly byEndpoint = new Map<string, Map<string, HourlyCounts>>();

  /** Adds to the endpoint's hour (`YYYY-MM-DDTHH`), as one count shard's ADD does. */
  add(accountId: string, endpointId: string, hour: string, counts: Partial<HourlyCounts>): void {
    const hours = this.byEndpoint.get(endpointKey(accountId, endpointId)) ?? new Map<string, HourlyCounts>();
    const sum = hours.get(hour) ?? { succeeded: 0, failed: 0, failedAttempts: 0, skipped: 0, filtered: 0 };
    hours.set(hour, {
      succeeded: sum.succeeded + (counts.succeeded ?? 0),
      failed: sum.failed + (counts.failed ?? 0),
      failedAttempts: sum.failedAttempts + (counts.failedAttempts ?? 0),
      skipped: sum.skipped + (counts.skipped ?? 0),
      filtered: sum.filtered + (counts.filtered ?? 0),
    });
    this.byEndpoint.set(endpointKey(accountId, endpointId), hours);
  }

  async read(accountId: string, endpointId: string, fromHour: string, toHour: string): Promise<Map<string, HourlyCounts>> {
    const hours = this.byEndpoint.get(endpointKey(accountId, endpointId)) ?? new Map<string, HourlyCounts>();
    return new Map([...hours].filter(([hour]) => hour >= fromHour && hour <= toHour));
  }
}

export class InMemoryManagementStore implements PortalLinkRecords {
  readonly accounts = new InMemoryAccounts();
  readonly endpoints = new InMemoryEndpointRecords(this.accounts);
  readonly deliveries = new InMemoryDeliveryRecords();
  readonly hourlyCounts = new InMemoryHourlyCounts();
  /** The real derivation over a local KMS in this process (portal tokens need no table). */
  readonly portalKeys = localSigningKeys().portalKeys;
}

/** Fixtures the services' tests start from: an account with room, an active endpoint, a finished delivery. */
export const FIXTURE_TIME = '2026-05-01T00:00:00.000Z';

export function testAccount(overrides: Partial<Account> = {}): Account {
  return { accountId: 'acct_1', name: 'Account 1', webhooksEnabled: true, maxEndpoints: 5, endpointCount: 0, createdAt: FIXTURE_TIME, updatedAt: FIXTURE_TIME, ...overrides };
}

export function testEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    accountId: 'acct_1',
    endpointId: 'ep_1',
    url: 'https://receiver.example.com/hook',
    events: ['*'],
    status: 'active',
    secret: 'whsec_first',
    consecutiveFailures: 0,
    createdAt: FIXTURE_TIME,
    updatedAt: FIXTURE_TIME,
    ...overrides,
  };
}

export function testDelivery(overrides: Partial<Delivery> & Pick<Delivery, 'deliveryId'>): Delivery {
  const createdAt = overrides.createdAt ?? FIXTURE_TIME;
  return {
    accountId: 'acct_1',
    endpointId: 'ep_1',
    eventId: `evt_${overrides.deliveryId}`,
    eventType: 'click',
    status: 'failed',
    attemptCount: 1,
    createdAt,
    updatedAt: createdAt,
    body: JSON.stringify({ event: 'click', timestamp: createdAt, data: { click_id: overrides.deliveryId } }),
    attempts: [],
    ...overrides,
  };
}
