// The management API's configuration, read once at cold start; a missing or malformed variable
// fails the start rather than a request.
import { parseRetrySchedule } from '../domain/retry-policy';
import { booleanEnv, ENV, positiveIntegerEnv, requireEnv } from '../shared/config';

/** Variables only the management API reads (the shared ones are in shared/config.ts ENV). */
export const API_ENV = {
  secretRotationGraceHours: 'SECRET_ROTATION_GRACE_HOURS',
  testSendTimeoutMs: 'TEST_SEND_TIMEOUT_MS',
  testSendsPerMinute: 'TEST_SENDS_PER_MINUTE',
} as const;

export interface ApiConfig {
  readonly tableName: string;
  /** Redeliveries go on the dispatch queue as retry messages. */
  readonly dispatchQueueUrl: string;
  /** Where long-delay retries wait; deleting an endpoint removes its schedules there. */
  readonly scheduleGroupName: string;
  readonly allowPrivateEndpoints: boolean;
  /** Its longest delay bounds how far back a waiting retry can have been scheduled. */
  readonly retrySchedule: readonly number[];
  readonly attemptRetentionDays: number;
  /** How long a rotated-out secret keeps signing webhook-signature. */
  readonly secretRotationGraceHours: number;
  /** A test send answers within the API's own time limit (API Gateway allows 30 s in all). */
  readonly testSendTimeoutMs: number;
  /** Per endpoint, so the API cannot be turned into a request cannon. */
  readonly testSendsPerMinute: number;
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return {
    tableName: requireEnv(ENV.tableName, env),
    dispatchQueueUrl: requireEnv(ENV.dispatchQueueUrl, env),
    scheduleGroupName: requireEnv(ENV.scheduleGroupName, env),
    allowPrivateEndpoints: booleanEnv(ENV.allowPrivateEndpoints, false, env),
    retrySchedule: parseRetrySchedule(env[ENV.retryScheduleSeconds]),
    attemptRetentionDays: positiveIntegerEnv(ENV.attemptRetentionDays, 30, env),
    secretRotationGraceHours: positiveIntegerEnv(API_ENV.secretRotationGraceHours, 24, env),
    testSendTimeoutMs: positiveIntegerEnv(API_ENV.testSendTimeoutMs, 10_000, env),
    testSendsPerMinute: positiveIntegerEnv(API_ENV.testSendsPerMinute, 10, env),
  };
}
