// The management API's dependencies as tests build them: a small config, and adapters that reject
// any call unless the test gives its own (a route table or a page that never touches them).
import type { ApiDependencies } from '../../lambdas/api/app';

type Overrides = Partial<Omit<ApiDependencies, 'config'>> & { readonly config?: Partial<ApiDependencies['config']> };

const CONFIG: ApiDependencies['config'] = {
  allowPrivateEndpoints: false,
  retrySchedule: [60],
  attemptRetentionDays: 1,
  secretRotationGraceHours: 24,
  testSendTimeoutMs: 1000,
  testSendsPerMinute: 1,
  // Read by the composition root (create-api.ts), not by the app: any value does here.
  secretsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/not-used',
  signingKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/not-used',
};

/** An adapter whose every method rejects: a call to it is a test bug. */
const NEVER_CALLED = new Proxy({}, { get: () => () => Promise.reject(new Error('not used')) });

export function testApiDependencies(overrides: Overrides = {}): ApiDependencies {
  const { config, ...rest } = overrides;
  return {
    store: NEVER_CALLED as never,
    sender: NEVER_CALLED as never,
    retries: NEVER_CALLED as never,
    userAgent: 'test',
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    ...rest,
    config: { ...CONFIG, ...config },
  };
}
