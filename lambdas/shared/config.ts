// Configuration read once per cold start. Missing or malformed variables throw at start-up,
// not halfway through a delivery.
import { parseRetrySchedule } from '../domain/retry-policy';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function requireEnv(name: string, env: Env = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`Environment variable ${name} is required but not set`);
  }
  return value;
}

export function optionalEnv(name: string, fallback: string, env: Env = process.env): string {
  const value = env[name];
  return value === undefined || value.trim() === '' ? fallback : value;
}

export function booleanEnv(name: string, fallback: boolean, env: Env = process.env): boolean {
  const value = optionalEnv(name, String(fallback), env).trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`Environment variable ${name} must be true or false, got "${value}"`);
}

export function positiveIntegerEnv(name: string, fallback: number, env: Env = process.env): number {
  const raw = optionalEnv(name, String(fallback), env).trim();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`Environment variable ${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

export function nonNegativeIntegerEnv(name: string, fallback: number, env: Env = process.env): number {
  const raw = optionalEnv(name, String(fallback), env).trim();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new ConfigError(`Environment variable ${name} must be a whole number (0 or more), got "${raw}"`);
  }
  return value;
}

/** The names every function's environment uses; the CDK construct sets them from these. */
export const ENV = {
  tableName: 'TABLE_NAME',
  retryQueueUrl: 'RETRY_QUEUE_URL',
  retryQueueArn: 'RETRY_QUEUE_ARN',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  scheduleGroupName: 'SCHEDULE_GROUP_NAME',
  schedulerDeadLetterQueueArn: 'SCHEDULER_DEAD_LETTER_QUEUE_ARN',
  eventBusName: 'EVENT_BUS_NAME',
  eventSource: 'EVENT_SOURCE',
  retryScheduleSeconds: 'RETRY_SCHEDULE_SECONDS',
  allowPrivateEndpoints: 'ALLOW_PRIVATE_ENDPOINTS',
  deliveryTimeoutMs: 'DELIVERY_TIMEOUT_MS',
  attemptRetentionDays: 'ATTEMPT_RETENTION_DAYS',
  accountCacheSeconds: 'ACCOUNT_CACHE_SECONDS',
  /** The KMS key endpoint secrets are sealed under (adapters/secret-box.ts). */
  secretsKeyArn: 'SECRETS_KEY_ARN',
} as const;

/**
 * What the dispatcher and the management API both read, read here once so their defaults cannot
 * drift apart: the API accepts, redelivers and cleans up what the dispatcher sends, stores and schedules.
 */
export interface SharedConfig {
  readonly tableName: string;
  /** The retry lane: the dispatcher's retries and the API's redeliveries go on this queue as retry messages. */
  readonly retryQueueUrl: string;
  /** Where long-delay retries wait; deleting an endpoint removes its schedules there. */
  readonly scheduleGroupName: string;
  /** The API's URL checks and the dispatcher's send-time checks must agree. */
  readonly allowPrivateEndpoints: boolean;
  /** The dispatcher retries by it; its longest delay bounds how far back the API looks for a waiting retry. */
  readonly retrySchedule: readonly number[];
  /** The TTL of events, deliveries and attempts, test sends' included. */
  readonly attemptRetentionDays: number;
  /** Endpoint secrets are sealed under this KMS key: the dispatcher opens them, the API seals and opens them. */
  readonly secretsKeyArn: string;
}

export function loadSharedConfig(env: NodeJS.ProcessEnv = process.env): SharedConfig {
  return {
    tableName: requireEnv(ENV.tableName, env),
    retryQueueUrl: requireEnv(ENV.retryQueueUrl, env),
    scheduleGroupName: requireEnv(ENV.scheduleGroupName, env),
    allowPrivateEndpoints: booleanEnv(ENV.allowPrivateEndpoints, false, env),
    retrySchedule: parseRetrySchedule(env[ENV.retryScheduleSeconds]),
    attemptRetentionDays: positiveIntegerEnv(ENV.attemptRetentionDays, 30, env),
    // Required: without it no endpoint could be read, so the cold start fails instead.
    secretsKeyArn: requireEnv(ENV.secretsKeyArn, env),
  };
}
