// Endpoint management: create within the plan's quota, change, delete, secrets and rotation.
// Every lookup is by (account, endpoint), so another account's endpoint is simply not found.
import type { EndpointChanges } from '../../adapters/management/endpoint-store';
import type { RetryScheduler } from '../../delivery/ports';
import { mergeCustomHeaders, MAX_CUSTOM_HEADERS } from '../../domain/custom-headers';
import { newEndpointId } from '../../domain/ids';
import { type Account, ALL_EVENTS, type Endpoint } from '../../domain/model';
import { generateSecret } from '../../domain/signing';
import { type HostLookup, validateEndpointUrl } from '../../domain/url-policy';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import type { DeliveryRecords, EndpointRecords } from './ports';

export interface EndpointServiceDeps {
  /** Deleting an endpoint reads its recent deliveries to cancel their waiting retries. */
  readonly store: { readonly endpoints: EndpointRecords; readonly deliveries: Pick<DeliveryRecords, 'deliveryIdsSince' | 'getDeliveries'> };
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
  readonly filter?: Readonly<Record<string, unknown>> | null;
  readonly redact?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** A PATCH: custom headers merge into the stored ones (a value sets, null removes); everything else replaces. */
export type EndpointPatch = Omit<EndpointChanges, 'headers'> & {
  readonly headers?: Readonly<Record<string, string | null>> | null;
};

/** How far ahead a rotation may schedule its switch, and how far behind "now" a clock may be. */
const MAX_SWITCH_AHEAD_MS = 24 * 3_600_000;
const SWITCH_CLOCK_SKEW_MS = 60_000;

export interface SecretView {
  readonly secret: string;
  readonly previousSecretExpiresAt?: string;
  readonly secretActivatesAt?: string;
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
      ...(input.filter == null ? {} : { filter: input.filter }),
      ...(input.redact === undefined || input.redact.length === 0 ? {} : { redact: [...input.redact] }),
      ...(input.headers === undefined || Object.keys(input.headers).length === 0 ? {} : { headers: input.headers }),
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

  async update(accountId: string, endpointId: string, patch: EndpointPatch): Promise<Endpoint> {
    // Existence first: a URL problem must not be reported for an endpoint the caller cannot see.
    const current = await this.get(accountId, endpointId);
    if (patch.url !== undefined) await this.checkUrl(patch.url);
    const { headers, ...rest } = patch;
    const changes: EndpointChanges = {
      ...rest,
      ...(patch.events ? { events: normaliseEvents(patch.events) } : {}),
      ...(headers === undefined ? {} : { headers: headers === null ? null : mergeCustomHeaders(current.headers, headers) }),
    };
    if (changes.headers && Object.keys(changes.headers).length > MAX_CUSTOM_HEADERS) {
      throw badRequest('validation_failed', 'The request is not valid', [
        { location: 'body', field: 'headers', message: `at most ${MAX_CUSTOM_HEADERS} headers after the merge; remove some with null` },
      ]);
    }
    const updated = await this.deps.store.endpoints.updateEndpoint(accountId, endpointId, changes, this.deps.now().toISOString());
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

  async secret(accountId: string, endpointId: string): Promise<SecretView> {
    return this.secretView(await this.get(accountId, endpointId));
  }

  /**
   * A new secret; the replaced one keeps signing webhook-signature (alongside) for the grace
   * period, so receivers can switch without dropping deliveries. X-GeoRedir-Signature, which
   * carries one signature only, switches at once, or at `activateAt` when the account schedules it.
   */
  async rotateSecret(accountId: string, endpointId: string, activateAt?: string): Promise<SecretView> {
    // Two tries: a concurrent rotation changes the secret under us once, not forever.
    for (let tries = 0; tries < 2; tries += 1) {
      const endpoint = await this.get(accountId, endpointId);
      const now = this.deps.now();
      if (endpoint.secretActivatesAt && Date.parse(endpoint.secretActivatesAt) > now.getTime()) {
        throw conflict(
          'secret_switch_pending',
          `A secret switch is scheduled for ${endpoint.secretActivatesAt}; rotate again once it has happened, so no secret a receiver holds is dropped`,
        );
      }
      const activatesAt = activateAt === undefined ? undefined : this.switchTime(activateAt, now);
      const graceFrom = activatesAt ? Date.parse(activatesAt) : now.getTime();
      const rotated = await this.deps.store.endpoints.rotateSecret(accountId, endpointId, {
        expectedSecret: endpoint.secret,
        newSecret: generateSecret(),
        previousExpiresAt: new Date(graceFrom + this.deps.secretRotationGraceHours * 3_600_000).toISOString(),
        at: now.toISOString(),
        ...(activatesAt ? { activatesAt } : {}),
      });
      if (rotated) return this.secretView(rotated);
    }
    throw endpointNotFound();
  }

  /** When a scheduled switch happens, in stored form; 400 unless from now to 24 h ahead. */
  private switchTime(activateAt: string, now: Date): string {
    const at = Date.parse(activateAt);
    if (at < now.getTime() - SWITCH_CLOCK_SKEW_MS || at > now.getTime() + MAX_SWITCH_AHEAD_MS) {
      throw badRequest('validation_failed', 'The request is not valid', [
        { location: 'body', field: 'activateAt', message: 'must be from now to 24 hours ahead' },
      ]);
    }
    return new Date(Math.max(at, now.getTime())).toISOString();
  }

  private secretView(endpoint: Endpoint): SecretView {
    const now = this.deps.now().getTime();
    const previous = endpoint.previousSecret;
    const switchAt = endpoint.secretActivatesAt;
    return {
      secret: endpoint.secret,
      ...(previous && Date.parse(previous.expiresAt) > now ? { previousSecretExpiresAt: previous.expiresAt } : {}),
      ...(switchAt && Date.parse(switchAt) > now ? { secretActivatesAt: switchAt } : {}),
    };
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
