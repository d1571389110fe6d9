// How much the management API takes from one credential and one account: the construct's props
// (lib/webhook-delivery-settings.ts checks them at synth) reach the function as these variables,
// read once at cold start. No imports beyond configuration, so the CDK app reads the names cheaply.
import { ConfigError, positiveIntegerEnv } from '../shared/config';

export interface RequestLimitSettings {
  /** Requests per second one API key, portal link or admin key makes, sustained. */
  readonly credentialRequestsPerSecond: number;
  /** How many it may make at once after a quiet spell. */
  readonly credentialRequestBurst: number;
  /** Requests per second of one account, all its credentials together, sustained. */
  readonly accountRequestsPerSecond: number;
  readonly accountRequestBurst: number;
  /** Test sends per account and minute (each is an outbound request the API makes itself). */
  readonly accountTestSendsPerMinute: number;
  /** Recover calls per account and minute (each reopens up to MAX_RECOVER_DELIVERIES deliveries). */
  readonly accountRecoversPerMinute: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimitSettings = {
  credentialRequestsPerSecond: 20,
  credentialRequestBurst: 40,
  accountRequestsPerSecond: 50,
  accountRequestBurst: 100,
  accountTestSendsPerMinute: 30,
  accountRecoversPerMinute: 5,
};

export const REQUEST_LIMITS_ENV: Readonly<Record<keyof RequestLimitSettings, string>> = {
  credentialRequestsPerSecond: 'CREDENTIAL_REQUESTS_PER_SECOND',
  credentialRequestBurst: 'CREDENTIAL_REQUEST_BURST',
  accountRequestsPerSecond: 'ACCOUNT_REQUESTS_PER_SECOND',
  accountRequestBurst: 'ACCOUNT_REQUEST_BURST',
  accountTestSendsPerMinute: 'ACCOUNT_TEST_SENDS_PER_MINUTE',
  accountRecoversPerMinute: 'ACCOUNT_RECOVERS_PER_MINUTE',
};

/** Every variable is optional (the default applies); a malformed one fails the cold start. */
export function requestLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): RequestLimitSettings {
  const settings = Object.fromEntries(
    (Object.keys(REQUEST_LIMITS_ENV) as (keyof RequestLimitSettings)[]).map((name) => [
      name,
      positiveIntegerEnv(REQUEST_LIMITS_ENV[name], DEFAULT_REQUEST_LIMITS[name], env),
    ]),
  ) as unknown as RequestLimitSettings;
  return checkRequestLimits(settings, (message) => new ConfigError(message));
}

/** What no value may break, whoever sets it: positive whole numbers. */
export function checkRequestLimits(settings: RequestLimitSettings, fail: (message: string) => Error = (message) => new Error(message)): RequestLimitSettings {
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw fail(`${name} must be a positive integer, got ${String(value)}`);
  }
  return settings;
}
