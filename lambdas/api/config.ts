// The management API's configuration, read once at cold start; a missing or malformed variable
// fails the start rather than a request.
import { loadSharedConfig, positiveIntegerEnv, type SharedConfig } from '../shared/config';

/** Variables only the management API reads (the shared ones are in shared/config.ts ENV). */
export const API_ENV = {
  secretRotationGraceHours: 'SECRET_ROTATION_GRACE_HOURS',
  testSendTimeoutMs: 'TEST_SEND_TIMEOUT_MS',
  testSendsPerMinute: 'TEST_SENDS_PER_MINUTE',
} as const;

export interface ApiConfig extends SharedConfig {
  /** How long a rotated-out secret keeps signing webhook-signature. */
  readonly secretRotationGraceHours: number;
  /** A test send answers within the API's own time limit (API Gateway allows 30 s in all). */
  readonly testSendTimeoutMs: number;
  /** Per endpoint, so the API cannot be turned into a request cannon. */
  readonly testSendsPerMinute: number;
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return {
    ...loadSharedConfig(env),
    secretRotationGraceHours: positiveIntegerEnv(API_ENV.secretRotationGraceHours, 24, env),
    testSendTimeoutMs: positiveIntegerEnv(API_ENV.testSendTimeoutMs, 10_000, env),
    testSendsPerMinute: positiveIntegerEnv(API_ENV.testSendsPerMinute, 10, env),
  };
}
