// The dispatcher's configuration, read once at cold start; a missing variable fails the start.
import { parseRetrySchedule } from '../domain/retry-policy';
import { booleanEnv, ENV, optionalEnv, positiveIntegerEnv, requireEnv } from '../shared/config';

export interface DispatcherConfig {
  readonly tableName: string;
  readonly dispatchQueueUrl: string;
  readonly dispatchQueueArn: string;
  readonly schedulerRoleArn: string;
  readonly scheduleGroupName: string;
  readonly eventBusName: string;
  readonly eventSource: string;
  readonly retrySchedule: readonly number[];
  readonly allowPrivateEndpoints: boolean;
  readonly deliveryTimeoutMs: number;
  readonly attemptRetentionDays: number;
}

export function loadDispatcherConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  return {
    tableName: requireEnv(ENV.tableName, env),
    dispatchQueueUrl: requireEnv(ENV.dispatchQueueUrl, env),
    dispatchQueueArn: requireEnv(ENV.dispatchQueueArn, env),
    schedulerRoleArn: requireEnv(ENV.schedulerRoleArn, env),
    scheduleGroupName: requireEnv(ENV.scheduleGroupName, env),
    eventBusName: requireEnv(ENV.eventBusName, env),
    eventSource: optionalEnv(ENV.eventSource, 'georedir', env),
    retrySchedule: parseRetrySchedule(env[ENV.retryScheduleSeconds]),
    allowPrivateEndpoints: booleanEnv(ENV.allowPrivateEndpoints, false, env),
    deliveryTimeoutMs: positiveIntegerEnv(ENV.deliveryTimeoutMs, 30_000, env),
    attemptRetentionDays: positiveIntegerEnv(ENV.attemptRetentionDays, 30, env),
  };
}
