// The dispatcher's configuration, read once at cold start; a missing variable fails the start.
import { ENV, loadSharedConfig, nonNegativeIntegerEnv, optionalEnv, positiveIntegerEnv, requireEnv, type SharedConfig } from '../shared/config';

export interface DispatcherConfig extends SharedConfig {
  /** Where Scheduler sends a long-delay retry: the retry lane. */
  readonly retryQueueArn: string;
  readonly schedulerRoleArn: string;
  /** Where Scheduler puts a retry it could not hand to the retry queue. */
  readonly schedulerDeadLetterQueueArn: string;
  readonly eventBusName: string;
  readonly eventSource: string;
  readonly deliveryTimeoutMs: number;
  /** How long an account and its endpoint list are reused before being read again (0: every batch reads them). */
  readonly accountCacheSeconds: number;
}

export function loadDispatcherConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  return {
    ...loadSharedConfig(env),
    retryQueueArn: requireEnv(ENV.retryQueueArn, env),
    schedulerRoleArn: requireEnv(ENV.schedulerRoleArn, env),
    schedulerDeadLetterQueueArn: requireEnv(ENV.schedulerDeadLetterQueueArn, env),
    eventBusName: requireEnv(ENV.eventBusName, env),
    eventSource: optionalEnv(ENV.eventSource, 'georedir', env),
    deliveryTimeoutMs: positiveIntegerEnv(ENV.deliveryTimeoutMs, 30_000, env),
    accountCacheSeconds: nonNegativeIntegerEnv(ENV.accountCacheSeconds, 5, env),
  };
}

/** What a dispatcher invocation needs on top of its slowest delivery: DynamoDB writes, retry scheduling. */
export const DISPATCHER_HEADROOM_SECONDS = 30;

/** AWS guidance for SQS event sources: a visibility timeout at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** A retry never waits less than this for the previous attempt's record: room for writes slowed by throttling. */
const MIN_RECORD_WAIT_SECONDS = 900;

/** The dispatcher function's timeout: its slowest delivery and the headroom. */
export function dispatcherTimeoutSeconds(deliveryTimeoutMs: number): number {
  return Math.ceil(deliveryTimeoutMs / 1000) + DISPATCHER_HEADROOM_SECONDS;
}

/**
 * The dispatch and retry queues' visibility timeout, the one rule for the construct
 * (lib/webhook-delivery.ts) and the dispatcher: it is also how long a dead dispatcher's message
 * takes to come back.
 */
export function queueVisibilityTimeoutSeconds(deliveryTimeoutMs: number): number {
  return VISIBILITY_TIMEOUT_FACTOR * dispatcherTimeoutSeconds(deliveryTimeoutMs);
}

/**
 * How long a retry waits for the previous attempt's record before it is dropped (see
 * DeliveryService's waitForRecord): a dispatcher that died before the record has its message back
 * after the visibility timeout, and the next one makes and records that attempt within one invocation.
 */
export function recordWaitLimitSeconds(deliveryTimeoutMs: number): number {
  return Math.max(MIN_RECORD_WAIT_SECONDS, queueVisibilityTimeoutSeconds(deliveryTimeoutMs) + dispatcherTimeoutSeconds(deliveryTimeoutMs));
}
