// Configuration read once per cold start. Missing or malformed variables throw at start-up,
// not halfway through a delivery.

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

/** The names every function's environment uses; the CDK construct sets them from these. */
export const ENV = {
  tableName: 'TABLE_NAME',
  dispatchQueueUrl: 'DISPATCH_QUEUE_URL',
  dispatchQueueArn: 'DISPATCH_QUEUE_ARN',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  scheduleGroupName: 'SCHEDULE_GROUP_NAME',
  eventBusName: 'EVENT_BUS_NAME',
  eventSource: 'EVENT_SOURCE',
  retryScheduleSeconds: 'RETRY_SCHEDULE_SECONDS',
  allowPrivateEndpoints: 'ALLOW_PRIVATE_ENDPOINTS',
  deliveryTimeoutMs: 'DELIVERY_TIMEOUT_MS',
  attemptRetentionDays: 'ATTEMPT_RETENTION_DAYS',
} as const;
