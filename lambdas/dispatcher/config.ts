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
