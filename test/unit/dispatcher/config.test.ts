import { dispatcherTimeoutSeconds, loadDispatcherConfig, queueVisibilityTimeoutSeconds, recordWaitLimitSeconds } from '../../../lambdas/dispatcher/config';
import { ConfigError } from '../../../lambdas/shared/config';
import { DISPATCHER_TEST_ENV as env } from '../../support/dispatcher-env';

/** The construct accepts a delivery timeout up to Lambda's 900 s less the dispatcher's 30 s of headroom. */
const LARGEST_DELIVERY_TIMEOUT_MS = 870_000;

describe('the dispatcher timeouts', () => {
  it("gives the dispatcher its slowest delivery and 30 s; the largest accepted timeout fills Lambda's 900 s", () => {
    expect(dispatcherTimeoutSeconds(30_000)).toBe(60);
    expect(dispatcherTimeoutSeconds(2_500)).toBe(33);
    expect(dispatcherTimeoutSeconds(LARGEST_DELIVERY_TIMEOUT_MS)).toBe(900);
  });

  it("keeps the queues' messages hidden for six dispatcher timeouts", () => {
    expect(queueVisibilityTimeoutSeconds(30_000)).toBe(360);
    expect(queueVisibilityTimeoutSeconds(LARGEST_DELIVERY_TIMEOUT_MS)).toBe(5_400);
  });

  it("waits for a record longer than a dead dispatcher's message takes to come back and be handled, never under 15 minutes", () => {
    expect(recordWaitLimitSeconds(30_000)).toBe(900);
    expect(recordWaitLimitSeconds(LARGEST_DELIVERY_TIMEOUT_MS)).toBe(5_400 + 900);
    for (const timeoutMs of [1_000, 30_000, 120_000, 400_000, LARGEST_DELIVERY_TIMEOUT_MS]) {
      expect(recordWaitLimitSeconds(timeoutMs)).toBeGreaterThanOrEqual(queueVisibilityTimeoutSeconds(timeoutMs) + dispatcherTimeoutSeconds(timeoutMs));
    }
  });
});

describe('loadDispatcherConfig', () => {
  it('reads the key endpoint secrets are sealed under, and fails the cold start without it', () => {
    expect(loadDispatcherConfig(env).secretsKeyArn).toBe(env.SECRETS_KEY_ARN);
    expect(() => loadDispatcherConfig({ ...env, SECRETS_KEY_ARN: undefined })).toThrow(ConfigError);
    expect(() => loadDispatcherConfig({ ...env, SECRETS_KEY_ARN: ' ' })).toThrow(/SECRETS_KEY_ARN is required/);
  });
});
