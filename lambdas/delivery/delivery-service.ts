// Delivery: from a batch of queue messages (producer events and due retries) to signed POSTs,
// recorded attempts, endpoint health and the next retries. See docs/architecture.md.
//
// One batch: plan every job (event x subscribed endpoint, or a due retry) -> read each delivery
// and endpoint once, strongly consistent, while the batch's log lines are written -> send every
// job concurrently -> record each delivery in one write (new ones together, see record-batch.ts)
// -> update each endpoint at most once.
//
// Delivery is at least once, with a stable delivery id. A first attempt is recorded after its
// send (no write before it): a second copy of the event finds the delivery and sends nothing;
// only a dispatcher that dies between a send and its record, or SQS handing one message over
// twice, can send twice. A retry is claimed before it is sent, so only one dispatcher makes it.
// A failed attempt hands its retry over before it is recorded, so a crash never strands one; so
// does a slow endpoint's first attempt deferred to the retry lane (recorded pending, no attempt).
import { type AttemptVerdict, attemptVerdict, deliveryAfter } from '../domain/attempt-verdict';
import { type AttemptResult, type BreakerPermit, breakerSettingsFor, CircuitBreakers } from '../domain/circuit-breaker';
import { attemptHeaders, attemptRecord, bodyFor, deliveryFields } from '../domain/delivery-request';
import { isSubscribed, passesFilter } from '../domain/endpoint-filter';
import { type AttemptHealth, batchHealth, disableAfterBatch } from '../domain/endpoint-health';
import { deliveryIdFor } from '../domain/ids';
import { parseIngressEvent } from '../domain/ingress';
import type { AcceptedEvent, Delivery, Endpoint } from '../domain/model';
import { slotDelaySeconds, slotSpacingMs } from '../domain/rate-limit';
import { isProven } from '../domain/first-contact';
import { SLOW_ANSWER_MS, SlowEndpoints, slowUntilNeedsRenewal } from '../domain/slow-endpoints';
import type { Log } from '../shared/logger';
import { AccountDirectory } from './account-directory';
import { type DeliveryStore, endpointKey, type LogEntry } from './delivery-store';
import { type HttpSender, isRetryMessage, type OperationalEvents, type RetryMessage, type RetryScheduler, type SendResult } from './ports';
import { RecordBatch, type RecordSlot } from './record-batch';
import { BatchPilots } from './batch-pilots';
import { isRateLimited, ReservationLead, SendSlots } from './send-slots';

/** What a batch's first attempts go through before they are sent inline. */
interface BatchGates {
  readonly sendSlots: SendSlots;
  readonly pilots: BatchPilots;
}

const DEFERRAL_REASONS = {
  slow: 'the endpoint answers slowly',
  'first-contact': 'another batch is the first to send to this endpoint, not seen answering quickly yet',
  'rate-limit-unreserved': "no slot of the endpoint's rate limit could be reserved here",
  'rate-limit': "the endpoint's rate limit",
} as const;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counters the service reports; the handler maps them to CloudWatch metrics. */
export type DeliveryMetric =
  | 'EventsAccepted'
  | 'EventsRejected'
  /** Times an endpoint's filter left an event out. */
  | 'EventsFiltered'
  | 'DuplicateEvents'
  | 'DuplicateSends'
  | 'DeliveriesSucceeded'
  | 'AttemptsFailed'
  | 'AttemptsNotSent'
  | 'DeliveriesFailed'
  | 'DeliveriesSkipped'
  | 'RetriesScheduled'
  | 'RetriesWaitingForRecord'
  | 'CircuitsOpened'
  | 'FirstAttemptsDeferred'
  | 'SendsRateLimited'
  | 'EndpointsDisabled';

export interface DeliveryServiceDeps {
  readonly store: DeliveryStore;
  readonly sender: HttpSender;
  readonly retries: RetryScheduler;
  readonly operationalEvents: OperationalEvents;
  readonly retrySchedule: readonly number[];
  readonly eventSource: string;
  readonly deliveryTimeoutMs: number;
  readonly userAgent: string;
  readonly log: Log;
  /**
   * How long a retry waits for the previous attempt's record before it is dropped: longer than a
   * dead dispatcher's message takes to come back (see recordWaitLimitSeconds in dispatcher/config.ts).
   */
  readonly recordWaitLimitSeconds: number;
  readonly count?: (metric: DeliveryMetric, value?: number) => void;
  readonly now?: () => Date;
  /** Picks each retry's jitter (see planRetry); Math.random unless a test fixes it. */
  readonly random?: () => number;
  /** Waits for a rate-limited send's slot; a test's fake clock moves instead. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The first slot reservation's guess at its own round trip (see send-slots.ts); tests on a fake clock use 0. */
  readonly firstReservationLeadMs?: number;
  /** How long an account and its endpoint list are reused (see account-directory.ts). */
  readonly accountCacheMs?: number;
}

/** One dispatch-queue message as the handler hands it over. */
export interface QueueMessage {
  readonly id: string;
  readonly body: string;
}

/** For this long a retry waiting for its record checks every second (see waitForRecord). */
const RECORD_WAIT_STEADY_SECONDS = 10;

/** How old the batch's read of an endpoint may be when a retry is sent; older, it is read again. */
const ENDPOINT_FRESH_MS = 500;

/**
 * How long a first attempt's record waits for the batch's other sends, to be written with theirs
 * (see record-batch.ts): short, since a dispatcher that dies meanwhile leaves a send unrecorded.
 */
const RECORD_LINGER_MS = 50;

/**
 * The longest a rate-limited send waits for its slot in the retry lane's invocation; a later slot
 * is waited for on the queue (the message goes back with the slot, taking no other).
 */
const RETRY_LANE_SLOT_WAIT_MS = 5_000;

/**
 * A send that would reach its slot later than this, or than half a slot's length (a busy retry
 * lane), takes a new one: sent at once it would share a second with the sends of the slots after it.
 */
const LATE_SLOT_TOLERANCE_MS = 150;

/** A retry that waited for its slot reads its endpoint again this long before it, so the read does not delay the send. */
const SLOT_REREAD_LEAD_MS = 100;

/** A claim on an attempt or a pilot outlasts the send it covers by this much (a slow write, a record). */
const CLAIM_MARGIN_MS = 30_000;

/** A probe holds the half-open circuit for its delivery timeout plus this, then anyone may probe. */
const PROBE_MARGIN_MS = 5_000;

/** One delivery's work in a batch: its first attempt (from an event) or a due retry. */
type Job =
  | { readonly kind: 'first'; readonly messageId: string; readonly deliveryId: string; readonly endpointId: string; readonly event: AcceptedEvent }
  | { readonly kind: 'retry'; readonly messageId: string; readonly deliveryId: string; readonly endpointId: string; readonly message: RetryMessage };

/** What a job did that the endpoint's health depends on. */
interface JobOutcome extends AttemptHealth {
  readonly accountId: string;
  readonly endpointId: string;
}

/**
 * Where an attempt comes from, which decides what it may do and how it is recorded. A first
 * attempt is recorded with the batch's new deliveries, and never probes a half-open circuit: the
 * probe may hang for the whole timeout, and holding a batch of producer events for it is what the
 * breaker is there to prevent. A claimed retry may be the probe, and is recorded over its claim. A
 * retry due in its endpoint's cool-down is refused unsent, and recorded without a claim, on the
 * claim's own condition, as of `at`.
 */
type AttemptLane =
  | { readonly kind: 'first'; readonly slot: RecordSlot }
  | { readonly kind: 'claimed' }
  | { readonly kind: 'cool-down'; readonly at: Date };

/** One attempt as its stages (decide, send, record) hand it on. */
interface AttemptStart {
  readonly delivery: Delivery;
  readonly endpoint: Endpoint;
  readonly number: number;
  readonly lane: AttemptLane;
  readonly startedAt: Date;
}

/** What the send stage hands the record stage: the answer, or the refusal in its place, and what a send showed of the endpoint. */
type SentAttempt =
  | { readonly kind: 'refused'; readonly result: SendResult }
  | { readonly kind: 'sent'; readonly result: SendResult; readonly signals: Pick<AttemptHealth, 'circuitOpenUntil' | 'circuitClosed' | 'slowUntil' | 'quick'> };

/** An event an endpoint's filter left out: no job, only a count on the batch's log page. */
interface FilteredEvent {
  readonly messageId: string;
  readonly accountId: string;
  readonly endpointId: string;
  /** The delivery it would have made: two copies of one event in a batch count once. */
  readonly deliveryId: string;
}

/** What one message comes to: jobs to run, and the endpoints whose filters left its event out. */
interface Plan {
  readonly jobs: Job[];
  readonly filtered: FilteredEvent[];
}

const NOTHING_PLANNED: Plan = { jobs: [], filtered: [] };

type BatchState = Awaited<ReturnType<DeliveryStore['readBatch']>>;

function breakerResult(result: SendResult): AttemptResult {
  if (result.outcome === 'succeeded') return 'success';
  return result.errorClass === 'timeout' ? 'timeout' : 'failure';
}

export class DeliveryService {
  private readonly now: () => Date;
  private readonly count: (metric: DeliveryMetric, value?: number) => void;
  private readonly accounts: AccountDirectory;
  private readonly breakers: CircuitBreakers;
  private readonly slow: SlowEndpoints;
  private readonly reservationLead: ReservationLead;

  constructor(private readonly deps: DeliveryServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.count = deps.count ?? (() => undefined);
    this.accounts = new AccountDirectory(deps.store, deps.accountCacheMs, () => this.now().getTime());
    this.breakers = new CircuitBreakers(breakerSettingsFor(deps.retrySchedule), () => this.now().getTime());
    this.slow = new SlowEndpoints(() => this.now().getTime());
    this.reservationLead = new ReservationLead(deps.firstReservationLeadMs);
  }

  /**
   * Handles one batch of dispatch-queue messages; returns the ids of those to hand back to SQS
   * (a fault worth a redelivery). Everything finished is idempotent on redelivery.
   */
  async handleBatch(messages: readonly QueueMessage[]): Promise<string[]> {
    const failed = new Set<string>();
    const fail = (messageId: string, step: string) => (error: unknown) => {
      failed.add(messageId);
      if (error instanceof ClaimedElsewhere) this.deps.log.info(error.message, { messageId, ...error.fields });
      else this.deps.log.error(`${step} failed; the message will be redelivered`, { messageId, error: errorText(error) });
    };

    const planned = await Promise.all(
      messages.map((message) => this.plan(message).catch((error: unknown) => (fail(message.id, 'planning')(error), NOTHING_PLANNED))),
    );
    const jobs = this.withoutCopies(planned.flatMap((plan) => plan.jobs));
    const filtered = [...new Map(planned.flatMap((plan) => plan.filtered).map((left) => [left.deliveryId, left])).values()];
    if (jobs.length === 0 && filtered.length === 0) return [...failed];

    let state: BatchState;
    let readAt: number;
    try {
      state = await this.readAndLog(jobs, filtered);
      readAt = this.now().getTime();
    } catch (error) {
      for (const { messageId } of [...jobs, ...filtered]) fail(messageId, 'reading the batch')(error);
      return [...failed];
    }
    if (jobs.length === 0) return [...failed];

    // Every first attempt takes its slot before any is sent, so the batch knows how many records to wait for.
    const records = new RecordBatch(this.deps.store, RECORD_LINGER_MS);
    // Sends to rate-limited endpoints: one reservation per endpoint for the whole batch.
    const gates: BatchGates = {
      sendSlots: new SendSlots((endpoint, count, from) => this.deps.store.reserveSendSlots(endpoint, count, from), this.reservationLead, () => this.now().getTime()),
      pilots: new BatchPilots(this.deps.store, this.leaseMs(), this.now),
    };
    const outcomes = await Promise.all(
      jobs.map((job) => {
        const slot = job.kind === 'first' ? records.slot() : undefined;
        return this.run(job, state, readAt, slot, gates)
          .catch((error: unknown) => (fail(job.messageId, 'delivery')(error), undefined))
          .finally(() => slot?.leave());
      }),
    );
    const finished = outcomes.filter((outcome): outcome is JobOutcome => outcome !== undefined);
    const proven = new Set(finished.filter((outcome) => outcome.quick).map((outcome) => endpointKey(outcome.accountId, outcome.endpointId)));
    await Promise.all([
      this.updateEndpoints(finished, state),
      gates.pilots.release(proven).catch((error: unknown) => this.deps.log.error('could not give a pilot back; it runs out by itself', { error: errorText(error) })),
    ]);
    return [...failed];
  }

  /**
   * A message's jobs: one per endpoint that takes the event (subscribed, and its filter lets it
   * through), one for a retry, none for a rejected event.
   */
  private async plan(message: QueueMessage): Promise<Plan> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.body);
    } catch {
      await this.reject('unparseable', 'message body is not JSON', message.body);
      return NOTHING_PLANNED;
    }
    if (isRetryMessage(parsed)) {
      return { jobs: [{ kind: 'retry', messageId: message.id, deliveryId: parsed.deliveryId, endpointId: parsed.endpointId, message: parsed }], filtered: [] };
    }
    const id = (parsed as { id?: unknown } | null)?.id;
    const envelopeId = typeof id === 'string' ? id : 'unknown';
    const ingress = parseIngressEvent(parsed, this.deps.eventSource);
    if (!ingress.ok) {
      await this.reject(envelopeId, ingress.reason, message.body);
      return NOTHING_PLANNED;
    }
    const { accountId, eventId, eventType, timestamp, data, body } = ingress.event;
    // Webhooks are a plan feature: an unknown account, or one whose plan lost them, gets nothing sent.
    const { account, endpoints } = await this.accounts.get(accountId);
    if (!account || !account.webhooksEnabled) {
      const why = account ? 'webhooks are not in the plan of account' : 'unknown account';
      await this.reject(envelopeId, `${why} ${accountId}`, message.body);
      return NOTHING_PLANNED;
    }
    this.count('EventsAccepted');
    const event: AcceptedEvent = { accountId, eventId, eventType, timestamp, data, body };
    const plan: Plan = { jobs: [], filtered: [] };
    for (const endpoint of endpoints.filter((candidate) => isSubscribed(candidate, eventType))) {
      const target = { messageId: message.id, deliveryId: deliveryIdFor(accountId, eventId, endpoint.endpointId), endpointId: endpoint.endpointId };
      if (this.passes(endpoint, event)) plan.jobs.push({ kind: 'first', ...target, event });
      else plan.filtered.push({ ...target, accountId });
    }
    if (plan.filtered.length > 0) this.count('EventsFiltered', plan.filtered.length);
    return plan;
  }

  /** The endpoint's filter lets the event through. A stored filter that no longer compiles lets everything through: nothing is lost. */
  private passes(endpoint: Endpoint, event: AcceptedEvent): boolean {
    try {
      return passesFilter(endpoint, event.data);
    } catch (error) {
      this.deps.log.error('endpoint filter does not compile; the event is delivered unfiltered', {
        accountId: endpoint.accountId,
        endpointId: endpoint.endpointId,
        error: errorText(error),
      });
      return true;
    }
  }

  /** Two copies of one event in the same batch make one delivery (the store would only see the second after its send). */
  private withoutCopies(jobs: readonly Job[]): Job[] {
    const seen = new Set<string>();
    return jobs.filter((job) => {
      if (job.kind !== 'first') return true;
      if (seen.has(job.deliveryId)) {
        this.count('DuplicateEvents');
        return false;
      }
      seen.add(job.deliveryId);
      return true;
    });
  }

  /** The batch's one read, and its log lines (and filtered counts) written alongside: both before anything is sent. */
  private async readAndLog(jobs: readonly Job[], filtered: readonly FilteredEvent[]): Promise<BatchState> {
    const now = this.now();
    const entries = new Map<string, LogEntry[]>();
    const filteredCounts = new Map<string, Map<string, number>>();
    for (const { accountId, endpointId } of filtered) {
      const counts = filteredCounts.get(accountId) ?? new Map<string, number>();
      counts.set(endpointId, (counts.get(endpointId) ?? 0) + 1);
      filteredCounts.set(accountId, counts);
      if (!entries.has(accountId)) entries.set(accountId, []);
    }
    const endpoints = new Map<string, { accountId: string; endpointId: string }>();
    for (const job of jobs) {
      const accountId = jobAccount(job);
      endpoints.set(endpointKey(accountId, job.endpointId), { accountId, endpointId: job.endpointId });
      const line: LogEntry = {
        deliveryId: job.deliveryId,
        endpointId: job.endpointId,
        eventType: job.kind === 'first' ? job.event.eventType : '',
        attempt: job.kind === 'first' ? 1 : job.message.attempt,
        created: job.kind === 'first',
      };
      entries.set(accountId, [...(entries.get(accountId) ?? []), line]);
    }
    const [state] = await Promise.all([
      jobs.length === 0
        ? { deliveries: new Map(), endpoints: new Map() }
        : this.deps.store.readBatch({
            newDeliveryIds: jobs.filter((job) => job.kind === 'first').map((job) => job.deliveryId),
            deliveryIds: [...new Set(jobs.filter((job) => job.kind === 'retry').map((job) => job.deliveryId))],
            endpoints: [...endpoints.values()],
          }),
      ...[...entries].map(([accountId, lines]) => this.deps.store.appendLog(accountId, lines, now, filteredCounts.get(accountId))),
    ]);
    return state;
  }

  private async run(job: Job, state: BatchState, readAt: number, slot: RecordSlot | undefined, gates: BatchGates): Promise<JobOutcome | undefined> {
    const accountId = jobAccount(job);
    const endpoint = state.endpoints.get(endpointKey(accountId, job.endpointId));
    const existing = state.deliveries.get(job.deliveryId);
    return job.kind === 'first' ? this.first(job, endpoint, existing, slot!, gates) : this.retry(job, endpoint, existing, readAt, gates.sendSlots);
  }

  private async first(job: Extract<Job, { kind: 'first' }>, endpoint: Endpoint | undefined, existing: Delivery | undefined, slot: RecordSlot, gates: BatchGates) {
    const { event } = job;
    if (existing) {
      // Another copy of the event (a repeated PutEvents, an SQS redelivery) made this delivery already.
      this.count('DuplicateEvents');
      return undefined;
    }
    // Deleted, unsubscribed or filtered since the account's endpoint list was read: not this endpoint's event any more.
    if (!endpoint || !isSubscribed(endpoint, event.eventType) || !this.passes(endpoint, event)) return undefined;
    const at = this.now().toISOString();
    const delivery: Delivery = {
      deliveryId: job.deliveryId,
      accountId: event.accountId,
      endpointId: endpoint.endpointId,
      eventId: event.eventId,
      eventType: event.eventType,
      status: 'pending',
      attemptCount: 0,
      createdAt: at,
      updatedAt: at,
      // Redacted fields never reach the delivery item either: the log shows what was sent.
      body: bodyFor(endpoint, event),
      attempts: [],
    };
    if (endpoint.status !== 'active') {
      const skipped: Delivery = { ...delivery, status: 'skipped', reason: 'endpoint disabled' };
      if (await slot.create(skipped)) {
        this.count('DeliveriesSkipped');
        this.deps.log.info('delivery skipped: endpoint disabled', deliveryFields(skipped));
      }
      return undefined;
    }
    // A slow endpoint's answer would hold this batch of producer events: it is made in the retry lane.
    if (this.slow.defersFirstAttempts(endpointKey(endpoint.accountId, endpoint.endpointId), endpoint.slowUntil)) return this.defer(delivery, slot, 'slow');
    // An endpoint not yet seen answering quickly: one batch at a time sends to it inline (domain/first-contact.ts).
    if (!isProven(endpoint) && !(await gates.pilots.take(endpoint))) return this.defer(delivery, slot, 'first-contact');
    if (isRateLimited(endpoint)) {
      // No slot (the reservation failed after its retries): the retry lane reserves one for it.
      const sendAt = await gates.sendSlots.take(endpoint).catch((error: unknown) => {
        this.deps.log.warn('could not reserve a send slot; the first attempt waits in the retry lane', { ...deliveryFields(delivery), error: errorText(error) });
        return undefined;
      });
      if (sendAt === undefined) return this.defer(delivery, slot, 'rate-limit-unreserved');
      // Waited for here only while the batch's read of the endpoint is fresh; later, in the retry lane.
      if (sendAt - this.now().getTime() > ENDPOINT_FRESH_MS) return this.defer(delivery, slot, { sendAt });
      await this.waitUntil(sendAt);
      if (this.wokeLate(endpoint, sendAt)) {
        const next = await gates.sendSlots.take(endpoint).catch(() => undefined);
        if (next === undefined || next - this.now().getTime() > ENDPOINT_FRESH_MS) return this.defer(delivery, slot, next === undefined ? 'rate-limit-unreserved' : { sendAt: next });
        await this.waitUntil(next);
      }
    }
    return this.attempt(delivery, endpoint, 1, { kind: 'first', slot });
  }

  /**
   * Hands a first attempt to the retry lane (nothing is attempted or counted here) before recording
   * the delivery as pending without an attempt: a crash in between strands nothing (the event comes
   * back and is deferred again, and the spare retry finds the attempt made, or claimed, and leaves
   * it). A slow or not-yet-proven endpoint's is due now; a rate-limited one's at its reserved slot.
   */
  private async defer(delivery: Delivery, slot: RecordSlot, why: 'slow' | 'first-contact' | 'rate-limit-unreserved' | { readonly sendAt: number }): Promise<undefined> {
    const now = this.now();
    const message: RetryMessage = { kind: 'retry', deliveryId: delivery.deliveryId, accountId: delivery.accountId, endpointId: delivery.endpointId, attempt: 1 };
    const dueAt = typeof why === 'object' ? new Date(Math.ceil(why.sendAt)) : now;
    if (typeof why === 'object') await this.deps.retries.schedule({ ...message, notBefore: dueAt.getTime() }, slotDelaySeconds(dueAt.getTime(), now.getTime()), dueAt);
    else await this.deps.retries.schedule(message, 0, now);
    if (await slot.create({ ...delivery, nextAttemptAt: dueAt.toISOString(), retryScheduledFor: 1 })) {
      this.count(typeof why === 'object' ? 'SendsRateLimited' : 'FirstAttemptsDeferred');
      this.deps.log.info(`first attempt deferred to the retry lane: ${DEFERRAL_REASONS[typeof why === 'object' ? 'rate-limit' : why]}`, {
        ...deliveryFields(delivery),
        nextAttemptAt: dueAt.toISOString(),
      });
    }
    return undefined;
  }

  /** Until a rate-limited send's slot. */
  private async waitUntil(at: number): Promise<void> {
    const ms = at - this.now().getTime();
    if (ms > 0) await (this.deps.sleep ?? sleep)(ms);
  }

  /**
   * A busy instance (a stalled event loop) can wake a send well after its slot: sent then, it would
   * crowd the sends of the slots after it into one second, so it takes a new slot instead (once).
   * Well after: past the next slot, and by a noticeable part of the second the limit counts in (a
   * high limit's slots are fractions of a millisecond apart; a timer is always that late).
   */
  private wokeLate(endpoint: Endpoint, sendAt: number): boolean {
    return isRateLimited(endpoint) && this.now().getTime() - sendAt > Math.max(LATE_SLOT_TOLERANCE_MS, slotSpacingMs(endpoint.rateLimit));
  }

  private async retry(job: Extract<Job, { kind: 'retry' }>, endpoint: Endpoint | undefined, delivery: Delivery | undefined, readAt: number, sendSlots: SendSlots) {
    const { store, log } = this.deps;
    const { attempt } = job.message;
    if (delivery && delivery.accountId !== job.message.accountId) {
      log.warn('retry for another account\'s delivery dropped', { deliveryId: job.deliveryId, attempt });
      return undefined;
    }
    if (!delivery || (delivery.status === 'pending' && delivery.attemptCount < attempt - 1)) {
      // The attempt before this one is not recorded yet: its dispatcher hands the retry over first,
      // and may still be writing (a slow or throttled write) or have died (then its own message
      // comes back and makes that attempt again). Dropping this retry could strand the delivery.
      await this.waitForRecord(job.message);
      return undefined;
    }
    if (delivery.status !== 'pending' || delivery.attemptCount !== attempt - 1) {
      log.info('stale or duplicate retry ignored', { ...deliveryFields(delivery), attempt });
      return undefined;
    }
    if (!endpoint || endpoint.status !== 'active') return this.skipRetry(delivery, endpoint);
    const now = this.now();
    if (this.breakers.coolingDown(endpointKey(delivery.accountId, delivery.endpointId), endpoint.circuitOpenUntil)) {
      // Refused, not sent: no claim is needed to keep another dispatcher from sending it too, nor a
      // fresh read of the endpoint. A hanging endpoint's retries pile up in the cool-downs; each
      // costs one write (the claim), and often one read, fewer this way.
      return this.attempt(delivery, endpoint, attempt, { kind: 'cool-down', at: now });
    }
    // A rate-limited endpoint's retry sends at its slot: one reserved with it (a deferred first
    // attempt, or a retry sent back to wait), else one this batch reserves now.
    let sendAt = job.message.notBefore;
    // Late counts from when it could be sent: after its claim, a write like a reservation.
    if (sendAt !== undefined && isRateLimited(endpoint) && now.getTime() + this.reservationLead.ms - sendAt > Math.min(LATE_SLOT_TOLERANCE_MS, slotSpacingMs(endpoint.rateLimit) / 2)) {
      sendAt = undefined;
    }
    if (sendAt === undefined && isRateLimited(endpoint)) {
      sendAt = await sendSlots.take(endpoint);
    }
    if (sendAt !== undefined && sendAt - now.getTime() > RETRY_LANE_SLOT_WAIT_MS) return this.waitForSlot(job.message, sendAt);
    if (!(await store.claimAttempt(delivery.deliveryId, { attempt, leaseUntil: this.leaseUntil(now) }, now))) {
      // Held by another dispatcher, which may yet die before recording it: SQS brings this message
      // back after its visibility timeout (longer than the lease); by then the attempt is recorded
      // (and this copy ignored as stale) or the lease has run out and this copy takes it over.
      throw new ClaimedElsewhere({ ...deliveryFields(delivery), attempt });
    }
    if (sendAt !== undefined) await this.waitUntil(sendAt - SLOT_REREAD_LEAD_MS);
    // A claim slowed down by throttling, or a wait for a slot, must not let a stale "active" through: read the endpoint again.
    if (this.now().getTime() - readAt > ENDPOINT_FRESH_MS) {
      const key = endpointKey(delivery.accountId, delivery.endpointId);
      const current = (await store.readBatch({ deliveryIds: [], newDeliveryIds: [], endpoints: [{ accountId: delivery.accountId, endpointId: delivery.endpointId }] })).endpoints.get(key);
      if (!current || current.status !== 'active') return this.skipRetry(delivery, current);
      endpoint = current;
    }
    if (sendAt !== undefined) {
      await this.waitUntil(sendAt);
      // The claim outlasts a slot's wait by far (the lease is the delivery timeout and more).
      if (isRateLimited(endpoint) && this.wokeLate(endpoint, sendAt)) await this.waitUntil(await sendSlots.take(endpoint));
    }
    return this.attempt(delivery, endpoint, attempt, { kind: 'claimed' });
  }

  /** A due retry for an endpoint disabled or deleted meanwhile: the delivery ends as skipped. */
  private async skipRetry(delivery: Delivery, endpoint: Endpoint | undefined): Promise<undefined> {
    const reason = endpoint ? 'endpoint disabled' : 'endpoint deleted';
    if (await this.deps.store.closeDelivery(delivery.deliveryId, 'skipped', reason, this.now().toISOString())) {
      this.count('DeliveriesSkipped');
      this.deps.log.info(`delivery skipped: ${reason}`, deliveryFields(delivery));
    }
    return undefined;
  }

  /**
   * Makes an attempt in three stages: decides whether it is sent (its lane, and the endpoint's
   * circuit), sends it or refuses it, then records it; the outcome feeds the endpoint's health.
   */
  private async attempt(delivery: Delivery, endpoint: Endpoint, number: number, lane: AttemptLane): Promise<JobOutcome | undefined> {
    const start: AttemptStart = { delivery, endpoint, number, lane, startedAt: this.now() };
    const permit = await this.decide(start);
    const sent = permit === 'refuse' ? this.refuse() : await this.send(start);
    return this.record(start, sent);
  }

  /** Whether the attempt is sent, as its lane and the endpoint's circuit allow; a probe is claimed for all instances. */
  private async decide({ endpoint, lane, startedAt }: AttemptStart): Promise<BreakerPermit> {
    if (lane.kind === 'cool-down') return 'refuse';
    const key = endpointKey(endpoint.accountId, endpoint.endpointId);
    const permit = this.breakers.permit(key, endpoint.circuitOpenUntil, lane.kind === 'claimed');
    if (permit === 'probe' && endpoint.circuitOpenUntil !== undefined && !(await this.claimProbe(endpoint, startedAt))) {
      this.breakers.probeTakenElsewhere(key);
      return 'refuse';
    }
    return permit;
  }

  private refuse(): SentAttempt {
    this.count('AttemptsNotSent');
    return {
      kind: 'refused',
      result: { outcome: 'failed', errorClass: 'circuit_open', errorMessage: 'not sent: the endpoint kept failing or timing out; circuit open', latencyMs: 0 },
    };
  }

  /** Sends, and tells the endpoint's circuit and slow mark how it went. */
  private async send({ delivery, endpoint, number, startedAt }: AttemptStart): Promise<SentAttempt> {
    const key = endpointKey(endpoint.accountId, endpoint.endpointId);
    const result = await this.sendMarkingSlow(delivery, endpoint, number, startedAt);
    const breakerOutcome = breakerResult(result);
    const circuit = this.breakers.record(key, breakerOutcome);
    if (circuit?.kind === 'opened') this.count('CircuitsOpened');
    const slowUntil = this.slow.observe(key, breakerOutcome !== 'timeout', result.latencyMs);
    const quick = breakerOutcome !== 'timeout' && result.latencyMs < SLOW_ANSWER_MS;
    return {
      kind: 'sent',
      result,
      signals: {
        ...(circuit?.kind === 'opened' ? { circuitOpenUntil: circuit.until } : {}),
        ...(circuit?.kind === 'closed' ? { circuitClosed: true } : {}),
        ...(slowUntil ? { slowUntil } : {}),
        ...(quick ? { quick } : {}),
      },
    };
  }

  /**
   * Records the attempt as its verdict says, once the next retry (if any) is handed over, so a
   * crash in between never strands one.
   */
  private async record(start: AttemptStart, sent: SentAttempt): Promise<JobOutcome | undefined> {
    const { delivery, endpoint, number, startedAt } = start;
    const { result } = sent;
    // The retry table counts from the failure's answer, which is exactly the attempt's latency after its start.
    const finishedAt = new Date(startedAt.getTime() + Math.round(result.latencyMs));
    const verdict = attemptVerdict(result, number, finishedAt, { retrySchedule: this.deps.retrySchedule, random: this.deps.random });
    if (verdict.kind !== 'succeeded') this.count('AttemptsFailed');
    if (verdict.kind === 'retry') {
      const message: RetryMessage = { kind: 'retry', deliveryId: delivery.deliveryId, accountId: delivery.accountId, endpointId: delivery.endpointId, attempt: verdict.attempt };
      await this.deps.retries.schedule(message, verdict.delaySeconds, verdict.at);
      this.count('RetriesScheduled');
    }
    const next = deliveryAfter(delivery, attemptRecord(delivery, number, startedAt, result), verdict, finishedAt);
    if (!(await this.write(start.lane, next))) {
      this.notRecorded(delivery, number, sent);
      return undefined;
    }
    this.recorded(delivery, number, result, verdict);
    return {
      accountId: endpoint.accountId,
      endpointId: endpoint.endpointId,
      result: verdict.kind === 'retry' ? 'pending' : verdict.kind,
      finishedAt,
      gone: result.statusCode === 410,
      ...(sent.kind === 'sent' ? sent.signals : {}),
    };
  }

  /** The one write of an attempt's record, as its lane allows; false when another dispatcher got there first. */
  private write(lane: AttemptLane, next: Delivery): Promise<boolean> {
    switch (lane.kind) {
      case 'first':
        return lane.slot.create(next);
      case 'claimed':
        return this.deps.store.recordAttempt(next);
      case 'cool-down':
        return this.deps.store.recordRefusal(next, lane.at);
    }
  }

  private notRecorded(delivery: Delivery, number: number, sent: SentAttempt): void {
    if (sent.kind === 'refused') {
      // Nothing was sent: another dispatcher holds this attempt or recorded it, and its retry decides.
      this.deps.log.info('refused attempt not recorded: another dispatcher holds or recorded it', { ...deliveryFields(delivery), attempt: number });
      return;
    }
    this.count('DuplicateSends');
    this.deps.log.warn('attempt recorded by another dispatcher first (a duplicate send)', { ...deliveryFields(delivery), attempt: number });
  }

  private recorded(delivery: Delivery, number: number, result: SendResult, verdict: AttemptVerdict): void {
    const fields = { ...deliveryFields(delivery), attempt: number };
    switch (verdict.kind) {
      case 'succeeded':
        this.count('DeliveriesSucceeded');
        this.deps.log.info('delivered', { ...fields, statusCode: result.statusCode });
        return;
      case 'retry':
        this.deps.log.warn('attempt failed, retry scheduled', { ...fields, statusCode: result.statusCode, errorClass: result.errorClass, nextAttemptAt: verdict.at.toISOString() });
        return;
      case 'failed':
        this.count('DeliveriesFailed');
        this.deps.log.warn('delivery failed', { ...fields, reason: verdict.reason });
    }
  }

  /**
   * Sends, and if no answer has come by SLOW_ANSWER_MS, stores the endpoint as slow right then: the
   * other dispatchers read it in their next batch and stop holding theirs on it.
   */
  private async sendMarkingSlow(delivery: Delivery, endpoint: Endpoint, attempt: number, startedAt: Date): Promise<SendResult> {
    const timer = setTimeout(() => void this.markSlowWhileWaiting(endpoint), SLOW_ANSWER_MS);
    try {
      return await this.post(delivery, endpoint, attempt, startedAt);
    } finally {
      clearTimeout(timer);
    }
  }

  private async markSlowWhileWaiting(endpoint: Endpoint): Promise<void> {
    const { accountId, endpointId } = endpoint;
    const until = this.slow.stillWaiting(endpointKey(accountId, endpointId));
    if (!until || !slowUntilNeedsRenewal(endpoint.slowUntil, this.now().getTime())) return;
    try {
      await this.deps.store.updateEndpointHealth(accountId, endpointId, { slowUntil: until.toISOString() });
      this.deps.log.info('endpoint marked slow: no answer within the slow mark', { accountId, endpointId, slowUntil: until.toISOString() });
    } catch (error) {
      this.deps.log.error('could not mark the endpoint slow', { accountId, endpointId, error: errorText(error) });
    }
  }

  private async post(delivery: Delivery, endpoint: Endpoint, attempt: number, startedAt: Date): Promise<SendResult> {
    const { deliveryId, eventType, body } = delivery;
    const headers = attemptHeaders(endpoint, { body, eventType, deliveryId, attempt, at: startedAt, userAgent: this.deps.userAgent });
    return this.deps.sender.send(endpoint.url, headers, body);
  }

  /**
   * One write per endpoint at most, and none when nothing changed: a success while no failures
   * are counted (and lastSuccessAt is recent) leaves the endpoint item alone, so a busy
   * endpoint's item is not written once per delivery.
   */
  private async updateEndpoints(outcomes: readonly JobOutcome[], state: BatchState): Promise<void> {
    const byEndpoint = new Map<string, JobOutcome[]>();
    for (const outcome of outcomes) {
      const key = endpointKey(outcome.accountId, outcome.endpointId);
      byEndpoint.set(key, [...(byEndpoint.get(key) ?? []), outcome]);
    }
    await Promise.all(
      [...byEndpoint].map(async ([key, results]) => {
        const endpoint = state.endpoints.get(key);
        if (!endpoint) return;
        try {
          await this.updateEndpoint(endpoint, results);
        } catch (error) {
          this.deps.log.error('could not update endpoint health', { accountId: endpoint.accountId, endpointId: endpoint.endpointId, error: errorText(error) });
        }
      }),
    );
  }

  private async updateEndpoint(endpoint: Endpoint, results: readonly JobOutcome[]): Promise<void> {
    const now = this.now();
    const health = batchHealth(endpoint, results, now);
    let consecutiveFailures = endpoint.consecutiveFailures;
    if (Object.keys(health.update).length > 0) {
      consecutiveFailures = await this.deps.store.updateEndpointHealth(endpoint.accountId, endpoint.endpointId, health.update);
    }
    const decision = disableAfterBatch(health, consecutiveFailures);
    if (decision.disable) await this.disable(endpoint, decision.reason, now.toISOString());
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
    this.count('EventsRejected');
    this.deps.log.warn('event rejected', { envelopeId, reason });
    await this.deps.store.saveRejectedEvent({ envelopeId, reason, receivedAt: this.now().toISOString(), excerpt: raw.slice(0, 2048) });
  }

  /**
   * The one probe of a half-open circuit, whichever instance makes it: taken by moving the
   * endpoint's circuitOpenUntil, as read, past the probe's own deadline, so the others keep
   * refusing meanwhile (and try again if the prober dies).
   */
  private async claimProbe(endpoint: Endpoint, now: Date): Promise<boolean> {
    const holdUntil = new Date(now.getTime() + this.deps.deliveryTimeoutMs + PROBE_MARGIN_MS);
    return this.deps.store.claimProbe(endpoint.accountId, endpoint.endpointId, endpoint.circuitOpenUntil ?? '', holdUntil.toISOString());
  }

  /** A retry whose slot is further off than the invocation waits: back on the queue with it, nothing claimed or recorded. */
  private async waitForSlot(message: RetryMessage, sendAt: number): Promise<undefined> {
    const now = this.now().getTime();
    const dueAt = Math.ceil(sendAt);
    await this.deps.retries.schedule({ ...message, notBefore: dueAt }, slotDelaySeconds(dueAt, now), new Date(dueAt));
    this.count('SendsRateLimited');
    this.deps.log.info("retry waits for its slot of the endpoint's rate limit", {
      deliveryId: message.deliveryId,
      accountId: message.accountId,
      endpointId: message.endpointId,
      attempt: message.attempt,
      sendAt: new Date(dueAt).toISOString(),
    });
    return undefined;
  }

  /**
   * Puts a retry that arrived before the previous attempt's record back on the queue, checking
   * again every second for 10 seconds, then after 10, 20, 40, 60 ... seconds, for as long as a dead
   * dispatcher's message takes to come back; after that the delivery expired, or that message was
   * dead-lettered.
   */
  private async waitForRecord(message: RetryMessage): Promise<void> {
    const waited = message.waitedForRecordSeconds ?? 0;
    const fields = { deliveryId: message.deliveryId, accountId: message.accountId, endpointId: message.endpointId, attempt: message.attempt, waitedSeconds: waited };
    if (waited >= this.deps.recordWaitLimitSeconds) {
      this.deps.log.warn('retry dropped: the attempt before it was never recorded', fields);
      return;
    }
    // Every second at first (a record slowed by throttling lands within seconds, and the retry is due
    // now), then with doubling pauses for a dispatcher that died.
    const delaySeconds = waited < RECORD_WAIT_STEADY_SECONDS ? 1 : Math.min(60, waited);
    await this.deps.retries.schedule({ ...message, waitedForRecordSeconds: waited + delaySeconds }, delaySeconds, new Date(this.now().getTime() + delaySeconds * 1000));
    this.count('RetriesWaitingForRecord');
    this.deps.log.info('retry arrived before the previous attempt was recorded; checking again shortly', { ...fields, delaySeconds });
  }

  /** How long a claim (on an attempt, or an endpoint's pilot) holds: one send and a margin, so only a dead holder's claim is ever taken over. */
  private leaseMs(): number {
    return this.deps.deliveryTimeoutMs + CLAIM_MARGIN_MS;
  }

  private leaseUntil(now: Date): Date {
    return new Date(now.getTime() + this.leaseMs());
  }
}

/** A due retry whose attempt another dispatcher holds: not a fault, but the message must come back. */
class ClaimedElsewhere extends Error {
  override readonly name = 'ClaimedElsewhere';
  constructor(readonly fields: Record<string, unknown>) {
    super('retry claimed by another dispatcher; the message comes back after its visibility timeout');
  }
}

function jobAccount(job: Job): string {
  return job.kind === 'first' ? job.event.accountId : job.message.accountId;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
