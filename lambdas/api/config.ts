// The management API's configuration, read once at cold start; a missing or malformed variable
// fails the start rather than a request.
import { ConfigError, loadSharedConfig, optionalEnv, positiveIntegerEnv, requireEnv, type SharedConfig } from '../shared/config';
import { DEFAULT_FRAME_ANCESTORS, parseFrameAncestors } from './portal-headers';

/** Variables only the management API reads (the shared ones are in shared/config.ts ENV). */
export const API_ENV = {
  secretRotationGraceHours: 'SECRET_ROTATION_GRACE_HOURS',
  testSendTimeoutMs: 'TEST_SEND_TIMEOUT_MS',
  testSendsPerMinute: 'TEST_SENDS_PER_MINUTE',
  portalFrameAncestors: 'PORTAL_FRAME_ANCESTORS',
  /** The KMS HMAC key portal tokens and paging cursors are signed with (adapters/kms-signing-keys.ts). */
  signingKeyArn: 'SIGNING_KEY_ARN',
} as const;

export interface ApiConfig extends SharedConfig {
  /** How long a rotated-out secret keeps signing webhook-signature. */
  readonly secretRotationGraceHours: number;
  /** A test send answers within the API's own time limit (API Gateway allows 30 s in all). */
  readonly testSendTimeoutMs: number;
  /** Per endpoint, so the API cannot be turned into a request cannon. */
  readonly testSendsPerMinute: number;
  /** Who may frame the portal page: the CSP frame-ancestors sources, space separated. Default 'none'. */
  readonly portalFrameAncestors?: string;
  /** The KMS HMAC key whose derived daily keys sign portal tokens and paging cursors. */
  readonly signingKeyArn: string;
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return {
    ...loadSharedConfig(env),
    secretRotationGraceHours: positiveIntegerEnv(API_ENV.secretRotationGraceHours, 24, env),
    testSendTimeoutMs: positiveIntegerEnv(API_ENV.testSendTimeoutMs, 10_000, env),
    testSendsPerMinute: positiveIntegerEnv(API_ENV.testSendsPerMinute, 10, env),
    portalFrameAncestors: frameAncestorsEnv(env),
    // Required: without it no portal link or cursor could be signed, so the cold start fails instead.
    signingKeyArn: requireEnv(API_ENV.signingKeyArn, env),
  };
}

function frameAncestorsEnv(env: NodeJS.ProcessEnv): string {
  try {
    return parseFrameAncestors(optionalEnv(API_ENV.portalFrameAncestors, DEFAULT_FRAME_ANCESTORS, env));
  } catch (error) {
    throw new ConfigError(`Environment variable ${API_ENV.portalFrameAncestors}: ${(error as Error).message}`);
  }
}
