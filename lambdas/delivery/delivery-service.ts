// Delivery: from one queue message (a producer event or a due retry) to signed POSTs, logged
// attempts, endpoint health and the next retry. Every step is idempotent, because SQS delivers
// at least once and Lambda may die anywhere: a delivery id is fixed per event x endpoint, an
// attempt is claimed before it is sent, and an attempt is recorded only by its claimant.
import type { HttpSender, SendResult } from '../adapters/http-sender';
import type { DynamoDbStore } from '../adapters/dynamodb-store';
import type { OperationalEvents } from '../adapters/operational-events';
import type { RetryMessage, RetryScheduler } from '../adapters/retry-scheduler';
import { disableDecision } from '../domain/endpoint-health';
import { deliveryIdFor } from '../domain/ids';
import { parseIngressEvent } from '../domain/ingress';
import { ALL_EVENTS, type Attempt, type Delivery, type Endpoint, type StoredEvent } from '../domain/model';
import { parseRetryAfter, planRetry, type RetryPlan, SQS_MAX_DELAY_SECONDS } from '../domain/retry-policy';
import { buildDeliveryHeaders } from '../domain/signing';

export interface DeliveryLog {
  info(message: string, ...fields: Record<string, unknown>[]): void;
  warn(message: string, ...fields: Record<string, unknown>[]): void;
  error(message: string, ...fields: Record<string, unknown>[]): void;
}

/** Counters the service reports; the handler maps them to CloudWatch metrics. */
export type DeliveryMetric =
  | 'EventsAccepted'
  | 'EventsRejected'
  | 'DuplicateEvents'
  | 'DeliveriesSucceeded'
  | 'AttemptsFailed'
  | 'DeliveriesFailed'
  | 'DeliveriesSkipped'
  | 'RetriesScheduled'
  | 'EndpointsDisabled';

export interface DeliveryServiceDeps {
  readonly store: DynamoDbStore;
  readonly sender: HttpSender;
  readonly retries: RetryScheduler;
  readonly operationalEvents: OperationalEvents;
  readonly retrySchedule: readonly number[];
  readonly eventSource: string;
  readonly deliveryTimeoutMs: number;
  readonly userAgent: string;
  readonly log: DeliveryLog;
  readonly count?: (metric: DeliveryMetric) => void;
  readonly now?: () => Date;
}

/** What a queue message carries: an EventBridge envelope from the rule, or a retry we scheduled. */
export function isRetryMessage(message: unknown): message is RetryMessage {
  const candidate = message as Partial<RetryMessage> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.kind === 'retry' &&
    typeof candidate.deliveryId === 'string' &&
    typeof candidate.accountId === 'string' &&
    Number.isInteger(candidate.attempt)
  );
}

export function isSubscribed(endpoint: Endpoint, eventType: string): boolean {
  return endpoint.events.includes(ALL_EVENTS) || endpoint.events.includes(eventType);
}

/** Retry-After counts only where HTTP gives it that meaning for a failure: 429 and 503. */
function retryAfterSeconds(result: SendResult, now: Date): number | undefined {
  return result.statusCode === 429 || result.statusCode === 503 ? parseRetryAfter(result.retryAfter, now) : undefined;
}

/** Signing keys in force: the current secret, and the previous one until its grace period ends. */
function additionalSecrets(endpoint: Endpoint, now: Date): string[] {
  const previous = endpoint.previousSecret;
  return previous && Date.parse(previous.expiresAt) > now.getTime() ? [previous.secret] : [];
}

export class DeliveryService {
  private readonly now: () => Date;
  private readonly count: (metric: DeliveryMetric) => void;

  constructor(private readonly deps: DeliveryServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.count = deps.count ?? (() => undefined);
  }

  /** Handles one dispatch-queue message body. Throws only for faults worth a redelivery by SQS. */
  async handleMessage(body: string): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch {
      await this.reject('unparseable', 'message body is not JSON', body);
      return;
    }
    if (isRetryMessage(message)) await this.handleRetry(message);
    else await this.handleEvent(message, body);
  }

  private async handleEvent(envelope: unknown, raw: string): Promise<void> {
    const id = (envelope as { id?: unknown } | null)?.id;
    const envelopeId = typeof id === 'string' ? id : 'unknown';
    const parsed = parseIngressEvent(envelope, this.deps.eventSource);
    if (!parsed.ok) {
      await this.reject(envelopeId, parsed.reason, raw);
      return;
    }
    // Webhooks are a plan feature: an unknown account, or one whose plan lost them, gets nothing sent.
    const account = await this.deps.store.getAccount(parsed.event.accountId);
    if (!account || !account.webhooksEnabled) {
      const why = account ? 'webhooks are not in the plan of account' : 'unknown account';
      await this.reject(envelopeId, `${why} ${parsed.event.accountId}`, raw);
      return;
    }
    const now = this.now();
    const incoming: StoredEvent = {
      accountId: parsed.event.accountId,
      eventId: parsed.event.eventId,
      eventType: parsed.event.eventType,
      timestamp: parsed.event.timestamp,
      body: parsed.event.body,
      receivedAt: now.toISOString(),
    };
    const event = await this.deps.store.saveEvent(incoming, now);
    if (event.receivedAt !== incoming.receivedAt) this.count('DuplicateEvents');
    else this.count('EventsAccepted');

    const endpoints = (await this.deps.store.listEndpoints(event.accountId)).filter((endpoint) =>
      isSubscribed(endpoint, event.eventType),
    );
    // One endpoint's outcome must not hold back or fail another's, so each runs to completion
    // and the first error is rethrown afterwards (SQS then redelivers; finished ones are no-ops).
    const results = await Promise.allSettled(endpoints.map((endpoint) => this.startDelivery(event, endpoint)));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async startDelivery(event: StoredEvent, endpoint: Endpoint): Promise<void> {
    const now = this.now();
    const disabled = endpoint.status !== 'active';
    const delivery: Delivery = {
      deliveryId: deliveryIdFor(event.accountId, event.eventId, endpoint.endpointId),
      accountId: event.accountId,
      endpointId: endpoint.endpointId,
      eventId: event.eventId,
      eventType: event.eventType,
      status: disabled ? 'skipped' : 'pending',
      attemptCount: 0,
      ...(disabled ? { reason: 'endpoint disabled' } : {}),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const claim = disabled ? undefined : { attempt: 1, leaseUntil: this.leaseUntil(now) };
    const result = await this.deps.store.createDelivery(delivery, now, claim);

    if (result.created) {
      if (disabled) {
        this.count('DeliveriesSkipped');
        this.deps.log.info('delivery skipped: endpoint disabled', this.deliveryFields(delivery));
        return;
      }
      await this.attempt(delivery, endpoint, event, 1);
      return;
    }
    await this.resume(result.existing, endpoint, event);
  }

  /** The same event again (duplicate PutEvents or SQS redelivery): finish only what is unfinished. */
  private async resume(delivery: Delivery, endpoint: Endpoint, event: StoredEvent): Promise<void> {
    if (delivery.status !== 'pending') return;
    if (delivery.attemptCount === 0) {
      // Died before the first attempt was recorded; the claim's lease decides who retries it.
      if (await this.deps.store.claimAttempt(delivery.deliveryId, 1, this.now(), this.leaseUntil(this.now()))) {
        await this.attempt(delivery, endpoint, event, 1);
      }
      return;
    }
    const nextAttempt = delivery.attemptCount + 1;
    if (delivery.retryScheduledFor !== nextAttempt && delivery.nextAttemptAt) {
      // Died between recording a failure and handing its retry over.
      const delaySeconds = Math.max(0, Math.ceil((Date.parse(delivery.nextAttemptAt) - this.now().getTime()) / 1000));
      await this.handOver(delivery, nextAttempt, {
        kind: 'retry',
        attempt: nextAttempt,
        delaySeconds,
        at: new Date(delivery.nextAttemptAt),
        via: delaySeconds <= SQS_MAX_DELAY_SECONDS ? 'sqs-delay' : 'scheduler',
      });
    }
  }

  private async handleRetry(message: RetryMessage): Promise<void> {
    const { store, log } = this.deps;
    const delivery = await store.getDelivery(message.deliveryId);
    if (!delivery || delivery.accountId !== message.accountId) {
      log.warn('retry for an unknown delivery dropped', { deliveryId: message.deliveryId, attempt: message.attempt });
      return;
    }
    if (delivery.status !== 'pending' || delivery.attemptCount !== message.attempt - 1) {
      log.info('stale or duplicate retry ignored', { ...this.deliveryFields(delivery), attempt: message.attempt });
      return;
    }
    const at = this.now().toISOString();
    const endpoint = await store.getEndpoint(delivery.accountId, delivery.endpointId);
    if (!endpoint || endpoint.status !== 'active') {
      const reason = endpoint ? 'endpoint disabled' : 'endpoint deleted';
      if (await store.closeDelivery(delivery.deliveryId, 'skipped', reason, at)) {
        this.count('DeliveriesSkipped');
        log.info(`delivery skipped: ${reason}`, this.deliveryFields(delivery));
      }
      return;
    }
    const event = await store.getEvent(delivery.accountId, delivery.eventId);
    if (!event) {
      if (await store.closeDelivery(delivery.deliveryId, 'failed', 'event no longer retained', at)) {
        this.count('DeliveriesFailed');
        log.warn('delivery failed: event no longer retained', this.deliveryFields(delivery));
      }
      return;
    }
    if (!(await store.claimAttempt(delivery.deliveryId, message.attempt, this.now(), this.leaseUntil(this.now())))) {
      log.info('retry already claimed elsewhere', { ...this.deliveryFields(delivery), attempt: message.attempt });
      return;
    }
    await this.attempt(delivery, endpoint, event, message.attempt);
  }

  /** Sends attempt `attemptNumber` (already claimed), records it, and decides what comes next. */
  private async attempt(delivery: Delivery, endpoint: Endpoint, event: StoredEvent, attemptNumber: number): Promise<void> {
    const { store, log } = this.deps;
    const startedAt = this.now();
    const headers = buildDeliveryHeaders({
      body: event.body,
      eventType: event.eventType,
      deliveryId: delivery.deliveryId,
      attempt: attemptNumber,
      timestampSeconds: Math.floor(startedAt.getTime() / 1000),
      secret: endpoint.secret,
      additionalSecrets: additionalSecrets(endpoint, startedAt),
      userAgent: this.deps.userAgent,
    });
    const result = await this.deps.sender.send(endpoint.url, headers, event.body);
    const finishedAt = this.now();
    const at = finishedAt.toISOString();
    const base = this.attemptRecord(delivery, attemptNumber, startedAt, result);

    if (result.outcome === 'succeeded') {
      await store.recordAttempt(base, { status: 'succeeded' }, finishedAt);
      await store.recordEndpointSuccess(endpoint.accountId, endpoint.endpointId, at);
      this.count('DeliveriesSucceeded');
      log.info('delivered', { ...this.deliveryFields(delivery), attempt: attemptNumber, statusCode: result.statusCode });
      return;
    }

    this.count('AttemptsFailed');
    const failures = await store.recordEndpointFailure(endpoint.accountId, endpoint.endpointId, at);
    const decision = disableDecision({ consecutiveFailures: failures, statusCode: result.statusCode });
    const plan = decision.disable
      ? ({ kind: 'give-up' } as const)
      : planRetry(this.deps.retrySchedule, attemptNumber, finishedAt, retryAfterSeconds(result, finishedAt));

    if (plan.kind === 'retry') {
      const nextAttemptAt = plan.at.toISOString();
      if (await store.recordAttempt({ ...base, nextRetryAt: nextAttemptAt }, { status: 'pending', nextAttemptAt }, finishedAt)) {
        log.warn('attempt failed, retry scheduled', {
          ...this.deliveryFields(delivery),
          attempt: attemptNumber,
          statusCode: result.statusCode,
          errorClass: result.errorClass,
          nextAttemptAt,
          via: plan.via,
        });
        await this.handOver(delivery, plan.attempt, plan);
      }
    } else {
      const reason = decision.disable ? decision.reason : `all ${attemptNumber} attempts failed`;
      if (await store.recordAttempt(base, { status: 'failed', reason }, finishedAt)) {
        this.count('DeliveriesFailed');
        log.warn('delivery failed', { ...this.deliveryFields(delivery), attempt: attemptNumber, reason });
      }
    }
    if (decision.disable) await this.disable(endpoint, decision.reason, at);
  }

  private async handOver(delivery: Delivery, attempt: number, plan: Extract<RetryPlan, { kind: 'retry' }>): Promise<void> {
    await this.deps.retries.schedule(
      { kind: 'retry', deliveryId: delivery.deliveryId, accountId: delivery.accountId, attempt },
      plan,
    );
    await this.deps.store.markRetryScheduled(delivery.deliveryId, attempt);
    this.count('RetriesScheduled');
  }

  private async disable(endpoint: Endpoint, reason: string, at: string): Promise<void> {
    if (!(await this.deps.store.disableEndpoint(endpoint.accountId, endpoint.endpointId, reason, at))) return;
    this.count('EndpointsDisabled');
    this.deps.log.warn('endpoint disabled', { accountId: endpoint.accountId, endpointId: endpoint.endpointId, reason });
    await this.deps.operationalEvents.endpointDisabled({
      accountId: endpoint.accountId,
      endpointId: endpoint.endpointId,
      url: endpoint.url,
      reason,
      disabledAt: at,
    });
  }

  private async reject(envelopeId: string, reason: string, raw: string): Promise<void> {
    const now = this.now();
    this.count('EventsRejected');
    this.deps.log.warn('event rejected', { envelopeId, reason });
    await this.deps.store.saveRejectedEvent(
      { envelopeId, reason, receivedAt: now.toISOString(), excerpt: raw.slice(0, 2048) },
      now,
    );
  }

  private attemptRecord(delivery: Delivery, attempt: number, startedAt: Date, result: SendResult): Attempt {
    return {
      ...this.deliveryFields(delivery),
      attempt,
      attemptedAt: startedAt.toISOString(),
      outcome: result.outcome,
      latencyMs: Math.round(result.latencyMs),
      ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
      ...(result.errorClass ? { errorClass: result.errorClass } : {}),
      ...(result.errorMessage ? { errorMessage: result.errorMessage } : {}),
      ...(result.responseExcerpt !== undefined ? { responseExcerpt: result.responseExcerpt } : {}),
    };
  }

  /** A claim outlives the send's own deadline, so only a dead holder's claim is ever taken over. */
  private leaseUntil(now: Date): Date {
    return new Date(now.getTime() + this.deps.deliveryTimeoutMs + 30_000);
  }

  /** What names a delivery: its attempts carry these fields, and so does every log line about it. */
  private deliveryFields(delivery: Delivery): Pick<Delivery, 'deliveryId' | 'accountId' | 'endpointId' | 'eventId' | 'eventType'> {
    return {
      deliveryId: delivery.deliveryId,
      accountId: delivery.accountId,
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
    };
  }
}
