// The chaos run's figures, computed from what the receivers recorded and what the API reports.
// Every definition here is spelled out in chaos/README.md.
import { maxJitterSeconds } from '../lambdas/domain/retry-policy';
import type { ReceivedRequest, Scenario } from './receivers';

export type FinalStatus = 'succeeded' | 'failed' | 'skipped';

export interface EndpointRecord {
  readonly endpointId: string;
  readonly scenario: Scenario;
  readonly requests: readonly ReceivedRequest[];
  /** From GET /v1/endpoints/{id} after the run. */
  readonly disabledAt?: number;
}

/** A kill or a restart: sends in flight then may go unrecorded, retries may be handed over late. */
export interface Disruption {
  readonly kind: 'kill' | 'restart';
  /** Epoch ms the SIGKILL or SIGTERM was sent. */
  readonly at: number;
  /** Epoch ms by which the run was whole again (messages released, run back up). */
  readonly until: number;
}

/** A jump of the AWS endpoint's clock (POST /_local/clock). */
export interface ClockAdvance {
  readonly at: number;
  readonly ms: number;
}

export interface ScheduleRules {
  readonly retrySchedule: readonly number[];
  readonly sqsMaxDelaySeconds: number;
  /** How late a retry may be and still count as on schedule. */
  readonly slackMs: number;
  /** Below this an attempt is early (timer and rounding noise). */
  readonly earlyToleranceMs: number;
}

export interface ScheduleCheck {
  readonly checked: number;
  readonly early: number;
  readonly late: number;
  /** Late ones (counted in `late`) whose wait spans a kill or restart. */
  readonly lateAcrossDisruption: number;
  /**
   * Not counted in `late`: due while a killed worker's messages were held (from the kill until SQS
   * hands them back), and arrived within the slack after that. Such a retry may have been in the
   * dead worker's hands; SQS returns it only after its visibility timeout, as in AWS.
   */
  readonly heldByKilledWorker: number;
  readonly lateness: { p50Ms: number; p99Ms: number; maxMs: number };
  readonly examples: string[];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The delay the dispatcher must wait after attempt `failedAttempt` (1-based), Retry-After applied within bounds. */
export function scheduledDelaySeconds(schedule: readonly number[], failedAttempt: number, retryAfterSeconds?: number): number | undefined {
  const scheduled = schedule[failedAttempt - 1];
  if (scheduled === undefined) return undefined;
  if (retryAfterSeconds === undefined) return scheduled;
  return Math.min(Math.max(scheduled, retryAfterSeconds), Math.max(...schedule));
}

/**
 * The real time at which the AWS endpoint's clock (real time + the sum of advances so far)
 * first reaches `target` (on that clock).
 */
export function realTimeWhenClockReaches(target: number, advances: readonly ClockAdvance[]): number {
  const sorted = [...advances].sort((a, b) => a.at - b.at);
  let offset = 0;
  let segmentStart = Number.NEGATIVE_INFINITY;
  for (const advance of sorted) {
    const candidate = Math.max(segmentStart, target - offset);
    if (candidate < advance.at) return candidate;
    offset += advance.ms;
    segmentStart = advance.at;
  }
  return Math.max(segmentStart, target - offset);
}

export function offsetAt(time: number, advances: readonly ClockAdvance[]): number {
  return advances.filter((advance) => advance.at <= time).reduce((sum, advance) => sum + advance.ms, 0);
}

/**
 * When a retry due at `due` is let go at the latest, if a dead worker held it: the release of the
 * disruption whose window (from `slackMs` before it until its release) holds `due`, and, when the
 * message, released, can be caught by the next one before it is handed over (that one starts
 * before the release plus `slackMs`), that one's release, and so on. Undefined when no
 * disruption's window holds `due`.
 */
export function heldUntil(due: number, disruptions: readonly Disruption[], slackMs: number): number | undefined {
  const ordered = [...disruptions].sort((a, b) => a.at - b.at);
  const first = ordered.find((disruption) => due >= disruption.at - slackMs && due <= disruption.until);
  if (!first) return undefined;
  let until = first.until;
  for (const next of ordered) {
    if (next.at > first.at && next.at <= until + slackMs) until = Math.max(until, next.until);
  }
  return until;
}

/**
 * Each retry (attempt k+1) against the end of attempt k as the receiver saw it: it is due
 * `scheduledDelaySeconds` later on the AWS endpoint's clock (SQS DelaySeconds counts from the
 * send on that clock; a Scheduler at() time is the dispatcher's wall clock plus the delay).
 */
export function checkRetrySchedule(endpoints: readonly EndpointRecord[], rules: ScheduleRules, disruptions: readonly Disruption[], advances: readonly ClockAdvance[]): ScheduleCheck {
  let checked = 0;
  let early = 0;
  let late = 0;
  let lateAcrossDisruption = 0;
  let heldByKilledWorker = 0;
  const lateness: number[] = [];
  const examples: string[] = [];
  for (const endpoint of endpoints) {
    for (const requests of groupByDelivery(endpoint.requests).values()) {
      const seenAttempts = new Set<number>();
      for (const request of requests) {
        if (request.attempt < 2 || seenAttempts.has(request.attempt)) {
          seenAttempts.add(request.attempt);
          continue;
        }
        seenAttempts.add(request.attempt);
        const previous = requests.filter((candidate) => candidate.attempt === request.attempt - 1 && candidate.receivedAt <= request.receivedAt).at(-1);
        if (!previous) continue;
        const delay = scheduledDelaySeconds(rules.retrySchedule, previous.attempt, previous.retryAfterSeconds);
        if (delay === undefined) continue;
        const base = previous.endedAt;
        const target = delay > rules.sqsMaxDelaySeconds ? base + delay * 1000 : base + offsetAt(base, advances) + delay * 1000;
        const due = realTimeWhenClockReaches(target, advances);
        checked += 1;
        // The dispatcher jitters each retry up to 10% later (planRetry): late only past that.
        const jitterMs = maxJitterSeconds(delay) * 1000;
        const difference = request.receivedAt - due;
        lateness.push(Math.max(0, difference - jitterMs));
        if (difference < -rules.earlyToleranceMs) {
          early += 1;
          if (examples.length < 5) examples.push(`${endpoint.scenario} ${request.deliveryId} attempt ${request.attempt} ${-difference} ms early`);
        } else if (difference > rules.slackMs + jitterMs) {
          const releasedBy = heldUntil(due, disruptions, rules.slackMs);
          if (releasedBy !== undefined && request.receivedAt <= releasedBy + rules.slackMs + jitterMs) {
            heldByKilledWorker += 1;
            continue;
          }
          late += 1;
          if (disruptions.some((disruption) => disruption.at <= request.receivedAt && disruption.until >= base)) lateAcrossDisruption += 1;
          else if (examples.length < 5) examples.push(`${endpoint.scenario} ${request.deliveryId} attempt ${request.attempt} ${difference} ms late`);
        }
      }
    }
  }
  return {
    checked,
    early,
    late,
    lateAcrossDisruption,
    heldByKilledWorker,
    lateness: { p50Ms: percentile(lateness, 50), p99Ms: percentile(lateness, 99), maxMs: Math.max(0, ...lateness) },
    examples,
  };
}

export function groupByDelivery(requests: readonly ReceivedRequest[]): Map<string, ReceivedRequest[]> {
  const byDelivery = new Map<string, ReceivedRequest[]>();
  for (const request of requests) {
    const list = byDelivery.get(request.deliveryId) ?? [];
    list.push(request);
    byDelivery.set(request.deliveryId, list);
  }
  for (const list of byDelivery.values()) list.sort((a, b) => a.receivedAt - b.receivedAt);
  return byDelivery;
}

/** Delivery ids answered 2xx (whole response written) more than once, and how many of those a disruption explains. */
/**
 * Delivery ids a receiver answered 2xx more than once. Explained by a disruption: the first 2xx came
 * within `recordWindowMs` before a kill or restart. With `recordedSuccesses` (succeeded attempts in
 * each delivery's log): an unrecorded send is one the log has fewer successes than 2xx answers for;
 * recorded twice means the log holds two successes.
 */
export function countDuplicates(
  endpoints: readonly EndpointRecord[],
  disruptions: readonly Disruption[],
  recordWindowMs: number,
  recordedSuccesses: ReadonlyMap<string, number> = new Map(),
): { duplicates: number; explainedByDisruption: number; unrecordedSend: number; recordedTwice: number } {
  let duplicates = 0;
  let explained = 0;
  let unrecordedSend = 0;
  let recordedTwice = 0;
  for (const endpoint of endpoints) {
    for (const [deliveryId, requests] of groupByDelivery(endpoint.requests)) {
      const answered = requests.filter((request) => request.answer === 'ok');
      if (answered.length < 2) continue;
      duplicates += 1;
      const first = answered[0]!;
      if (disruptions.some((disruption) => first.receivedAt <= disruption.at && first.receivedAt > disruption.at - recordWindowMs)) explained += 1;
      const recorded = recordedSuccesses.get(deliveryId) ?? 0;
      if (recorded < answered.length) unrecordedSend += 1;
      if (recorded >= 2) recordedTwice += 1;
    }
  }
  return { duplicates, explainedByDisruption: explained, unrecordedSend, recordedTwice };
}

/** Sends that reached a receiver in the `recordWindowMs` before a kill or restart: each could be sent but never recorded. */
export function sendsExposedToDisruptions(endpoints: readonly EndpointRecord[], disruptions: readonly Disruption[], recordWindowMs: number): number {
  let exposed = 0;
  for (const endpoint of endpoints) {
    for (const request of endpoint.requests) {
      if (disruptions.some((disruption) => request.receivedAt <= disruption.at && request.receivedAt > disruption.at - recordWindowMs)) exposed += 1;
    }
  }
  return exposed;
}

/** Attempts that arrived more than `slackMs` after the endpoint's disabledAt. */
export function sentWhileDisabled(endpoints: readonly EndpointRecord[], slackMs: number): { count: number; byScenario: Record<string, number> } {
  let count = 0;
  const byScenario: Record<string, number> = {};
  for (const endpoint of endpoints) {
    if (endpoint.disabledAt === undefined) continue;
    const after = endpoint.requests.filter((request) => request.receivedAt > endpoint.disabledAt! + slackMs).length;
    count += after;
    if (after > 0) byScenario[endpoint.scenario] = (byScenario[endpoint.scenario] ?? 0) + after;
  }
  return { count, byScenario };
}
