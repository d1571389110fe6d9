// Endpoint management: create within the plan's quota, change, delete, secrets and rotation.
// Every lookup is by (account, endpoint), so another account's endpoint is simply not found.
import type { Account, EndpointChanges, ManagementStore } from '../../adapters/management-store';
import type { RetryScheduler } from '../../adapters/retry-scheduler';
import { newEndpointId } from '../../domain/ids';
import { ALL_EVENTS, type Endpoint } from '../../domain/model';
import { generateSecret } from '../../domain/signing';
import { type HostLookup, validateEndpointUrl } from '../../domain/url-policy';
import { forbidden, notFound } from '../errors';

export interface EndpointServiceDeps {
  readonly store: ManagementStore;
  readonly retries: Pick<RetryScheduler, 'cancel'>;
  readonly allowPrivateEndpoints: boolean;
  readonly secretRotationGraceHours: number;
  readonly retrySchedule: readonly number[];
  readonly now: () => Date;
  /** Replaces DNS in URL checks (tests). */
  readonly lookup?: HostLookup;
  readonly log: { warn(message: string, ...fields: Record<string, unknown>[]): void };
}

export interface NewEndpoint {
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string;
  /** Deliveries per second; null or absent: no limit. */
  readonly rateLimit?: number | null;
}

export const endpointNotFound = () => notFound('Endpoint not found');

/** How much of the delivery log deleting an endpoint reads to find its waiting retries. */
const MAX_LOG_ENTRIES_READ = 20_000;

/** `["*"]` stays as is; otherwise duplicates go and the order is kept. */
function normaliseEvents(events: readonly string[]): string[] {
  return events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...new Set(events)];
}

export class EndpointService {
  constructor(private readonly deps: EndpointServiceDeps) {}

  async list(accountId: string): Promise<Endpoint[]> {
    const endpoints = await this.deps.store.endpoints.listEndpoints(accountId);
    return endpoints.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.endpointId.localeCompare(b.endpointId));
  }

  async get(accountId: string, endpointId: string): Promise<Endpoint> {
    const endpoint = await this.deps.store.endpoints.getEndpoint(accountId, endpointId);
    if (!endpoint) throw endpointNotFound();
    return endpoint;
  }

  async create(account: Account, input: NewEndpoint): Promise<Endpoint> {
    // A cheap early answer; the transaction below is what actually holds the quota.
    if (account.endpointCount >= account.maxEndpoints) throw quotaExceeded(account.maxEndpoints);
    await this.checkUrl(input.url);
    const at = this.deps.now().toISOString();
    const endpoint: Endpoint = {
      accountId: account.accountId,
      endpointId: newEndpointId(),
      url: input.url,
      events: normaliseEvents(input.events),
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.rateLimit == null ? {} : { rateLimit: input.rateLimit }),
      status: 'active',
      secret: generateSecret(),
      consecutiveFailures: 0,
      createdAt: at,
      updatedAt: at,
    };
    const result = await this.deps.store.endpoints.createEndpoint(endpoint);
    switch (result) {
      case 'created':
        return endpoint;
      case 'quota_exceeded':
        throw quotaExceeded(account.maxEndpoints);
      case 'webhooks_disabled':
        throw webhooksNotEnabled();
      case 'account_not_found':
        // The key's account vanished mid-request; nothing of it may be shown.
        throw notFound('Account not found');
    }
  }

  async update(accountId: string, endpointId: string, changes: EndpointChanges): Promise<Endpoint> {
    // Existence first: a URL problem must not be reported for an endpoint the caller cannot see.
    await this.get(accountId, endpointId);
    if (changes.url !== undefined) await this.checkUrl(changes.url);
    const normalised: EndpointChanges = changes.events ? { ...changes, events: normaliseEvents(changes.events) } : changes;
    const updated = await this.deps.store.endpoints.updateEndpoint(accountId, endpointId, normalised, this.deps.now().toISOString());
    if (!updated) throw endpointNotFound();
    return updated;
  }

  /** Re-enables after an auto-disable (or a manual one) and resets the failure counter. */
  async enable(accountId: string, endpointId: string): Promise<Endpoint> {
    const updated = await this.deps.store.endpoints.updateEndpoint(accountId, endpointId, { status: 'active' }, this.deps.now().toISOString());
    if (!updated) throw endpointNotFound();
    return updated;
  }

  /**
   * Deletes the endpoint. Retries already queued find it gone and are skipped by the dispatcher;
   * long-delay retries waiting in Scheduler are deleted too, on a best-effort basis.
   */
  async remove(accountId: string, endpointId: string): Promise<void> {
    const now = this.deps.now();
    if (!(await this.deps.store.endpoints.deleteEndpoint(accountId, endpointId, now.toISOString()))) throw endpointNotFound();
    try {
      await this.deleteWaitingSchedules(accountId, endpointId, now);
    } catch (error) {
      this.deps.log.warn('could not delete retry schedules of a deleted endpoint; the dispatcher will skip them', {
        accountId,
        endpointId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async secret(accountId: string, endpointId: string): Promise<{ secret: string; previousSecretExpiresAt?: string }> {
    const endpoint = await this.get(accountId, endpointId);
    return { secret: endpoint.secret, ...this.previousSecretExpiry(endpoint) };
  }

  /**
   * A new secret signs everything from now on; the replaced one keeps signing webhook-signature
   * (alongside) for the grace period, so receivers can switch without dropping deliveries.
   */
  async rotateSecret(accountId: string, endpointId: string): Promise<{ secret: string; previousSecretExpiresAt?: string }> {
    // Two tries: a concurrent rotation changes the secret under us once, not forever.
    for (let tries = 0; tries < 2; tries += 1) {
      const endpoint = await this.get(accountId, endpointId);
      const now = this.deps.now();
      const rotated = await this.deps.store.endpoints.rotateSecret(accountId, endpointId, {
        expectedSecret: endpoint.secret,
        newSecret: generateSecret(),
        previousExpiresAt: new Date(now.getTime() + this.deps.secretRotationGraceHours * 3_600_000).toISOString(),
        at: now.toISOString(),
      });
      if (rotated) return { secret: rotated.secret, ...this.previousSecretExpiry(rotated) };
    }
    throw endpointNotFound();
  }

  private previousSecretExpiry(endpoint: Endpoint): { previousSecretExpiresAt?: string } {
    const previous = endpoint.previousSecret;
    return previous && Date.parse(previous.expiresAt) > this.deps.now().getTime() ? { previousSecretExpiresAt: previous.expiresAt } : {};
  }

  private async checkUrl(url: string): Promise<void> {
    await validateEndpointUrl(url, {
      allowPrivate: this.deps.allowPrivateEndpoints,
      ...(this.deps.lookup ? { lookup: this.deps.lookup } : {}),
    });
  }

  /**
   * A retry still waiting was handed over at most the schedule's longest delay ago, so only that
   * stretch of the log is read; the retry adapter deletes those that went to Scheduler.
   */
  private async deleteWaitingSchedules(accountId: string, endpointId: string, now: Date): Promise<void> {
    const longest = Math.max(...this.deps.retrySchedule);
    const since = new Date(now.getTime() - longest * 1000 - 60_000).toISOString();
    const { deliveries } = this.deps.store;
    const { deliveryIds } = await deliveries.deliveryIdsSince(accountId, endpointId, since, MAX_LOG_ENTRIES_READ);
    const waiting = (await deliveries.getDeliveries(accountId, deliveryIds)).flatMap((delivery) => {
      const last = delivery.attempts[delivery.attempts.length - 1];
      if (delivery.status !== 'pending' || !delivery.nextAttemptAt || !last || Date.parse(delivery.nextAttemptAt) <= now.getTime()) return [];
      const delaySeconds = (Date.parse(delivery.nextAttemptAt) - Date.parse(last.attemptedAt)) / 1000;
      return [{ deliveryId: delivery.deliveryId, attempt: delivery.attemptCount + 1, delaySeconds }];
    });
    if (waiting.length > 0) await this.deps.retries.cancel(waiting);
  }
}

const quotaExceeded = (max: number) =>
  forbidden('endpoint_quota_exceeded', `Your plan allows ${max} endpoint${max === 1 ? '' : 's'}; delete one or upgrade to add more`);

export const webhooksNotEnabled = () => forbidden('webhooks_not_enabled', 'Webhooks are not included in your plan');
