// Endpoint management: create within the plan's quota, change, delete, secrets and rotation.
// Every lookup is by (account, endpoint), so another account's endpoint is simply not found.
import type { Account, EndpointChanges, EndpointWithHealth, ManagementStore } from '../../adapters/management-store';
import { newEndpointId, retryScheduleName } from '../../domain/ids';
import { ALL_EVENTS, type Endpoint } from '../../domain/model';
import { SQS_MAX_DELAY_SECONDS } from '../../domain/retry-policy';
import { generateSecret } from '../../domain/signing';
import { type HostLookup, validateEndpointUrl } from '../../domain/url-policy';
import { forbidden, notFound } from '../errors';
import type { ScheduleCleaner } from '../schedule-cleaner';

export interface EndpointServiceDeps {
  readonly store: ManagementStore;
  readonly schedules: ScheduleCleaner;
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
}

export const endpointNotFound = () => notFound('Endpoint not found');

/** `["*"]` stays as is; otherwise duplicates go and the order is kept. */
function normaliseEvents(events: readonly string[]): string[] {
  return events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...new Set(events)];
}

export class EndpointService {
  constructor(private readonly deps: EndpointServiceDeps) {}

  async list(accountId: string): Promise<EndpointWithHealth[]> {
    const endpoints = await this.deps.store.listEndpoints(accountId);
    return endpoints.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.endpointId.localeCompare(b.endpointId));
  }

  async get(accountId: string, endpointId: string): Promise<EndpointWithHealth> {
    const endpoint = await this.deps.store.getEndpoint(accountId, endpointId);
    if (!endpoint) throw endpointNotFound();
    return endpoint;
  }

  async create(account: Account, input: NewEndpoint): Promise<EndpointWithHealth> {
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
      status: 'active',
      secret: generateSecret(),
      consecutiveFailures: 0,
      createdAt: at,
      updatedAt: at,
    };
    const result = await this.deps.store.createEndpoint(endpoint);
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

  async update(accountId: string, endpointId: string, changes: EndpointChanges): Promise<EndpointWithHealth> {
    // Existence first: a URL problem must not be reported for an endpoint the caller cannot see.
    await this.get(accountId, endpointId);
    if (changes.url !== undefined) await this.checkUrl(changes.url);
    const normalised: EndpointChanges = changes.events ? { ...changes, events: normaliseEvents(changes.events) } : changes;
    const updated = await this.deps.store.updateEndpoint(accountId, endpointId, normalised, this.deps.now().toISOString());
    if (!updated) throw endpointNotFound();
    return updated;
  }

  /** Re-enables after an auto-disable (or a manual one) and resets the failure counter. */
  async enable(accountId: string, endpointId: string): Promise<EndpointWithHealth> {
    const updated = await this.deps.store.updateEndpoint(accountId, endpointId, { status: 'active' }, this.deps.now().toISOString());
    if (!updated) throw endpointNotFound();
    return updated;
  }

  /**
   * Deletes the endpoint. Retries already queued find it gone and are skipped by the dispatcher;
   * long-delay retries waiting in Scheduler are deleted too, on a best-effort basis.
   */
  async remove(accountId: string, endpointId: string): Promise<void> {
    const now = this.deps.now();
    if (!(await this.deps.store.deleteEndpoint(accountId, endpointId, now.toISOString()))) throw endpointNotFound();
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
      const rotated = await this.deps.store.rotateSecret(accountId, endpointId, {
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
   * A retry still waiting was scheduled at most the schedule's longest delay ago, so only that
   * stretch of the log is read. Waits longer than SQS can hold went to Scheduler under a name
   * derived from delivery and attempt.
   */
  private async deleteWaitingSchedules(accountId: string, endpointId: string, now: Date): Promise<void> {
    const longest = Math.max(...this.deps.retrySchedule);
    if (longest <= SQS_MAX_DELAY_SECONDS) return;
    const since = new Date(now.getTime() - longest * 1000 - 60_000).toISOString();
    const waiting = await this.deps.store.pendingRetryAttempts(accountId, endpointId, since, now.toISOString());
    const names = waiting
      .filter((attempt) => attempt.nextRetryAt !== undefined && Date.parse(attempt.nextRetryAt) - Date.parse(attempt.attemptedAt) > SQS_MAX_DELAY_SECONDS * 1000)
      .map((attempt) => retryScheduleName(attempt.deliveryId, attempt.attempt + 1));
    if (names.length > 0) await this.deps.schedules.deleteSchedules(names);
  }
}

const quotaExceeded = (max: number) =>
  forbidden('endpoint_quota_exceeded', `Your plan allows ${max} endpoint${max === 1 ? '' : 's'}; delete one or upgrade to add more`);

export const webhooksNotEnabled = () => forbidden('webhooks_not_enabled', 'Webhooks are not included in your plan');
