import type { RateLimitResult } from '../../../lambdas/adapters/management/rate-limit-store';
import { ApiError } from '../../../lambdas/api/errors';
import { DEFAULT_REQUEST_LIMITS, REQUEST_LIMITS_ENV, requestLimitsFromEnv } from '../../../lambdas/api/request-limit-settings';
import { createRequestLimiter, credentialBucket, type RateLimits } from '../../../lambdas/api/request-limits';
import type { AdminAuth, AuthContext } from '../../../lambdas/api/router';
import type { Account } from '../../../lambdas/domain/model';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const account = (accountId: string) => ({ accountId, name: accountId, webhooksEnabled: true, maxEndpoints: 10, endpointCount: 0 }) as unknown as Account;
const apiKey = (accountId: string, keyPrefix: string): AuthContext => ({ kind: 'apiKey', account: account(accountId), keyPrefix });

/** Token buckets and windows counted in memory: a bucket allows `burst` takes, then refuses. */
class CountingLimits implements RateLimits {
  readonly taken = new Map<string, number>();
  readonly calls: string[] = [];

  async consumeToken(bucket: string, _perSecond: number, burst: number): Promise<RateLimitResult> {
    return this.take(bucket, burst);
  }

  async consumeRateLimit(bucket: string, limit: number): Promise<RateLimitResult> {
    return this.take(bucket, limit);
  }

  private take(bucket: string, limit: number): RateLimitResult {
    this.calls.push(bucket);
    const used = this.taken.get(bucket) ?? 0;
    if (used >= limit) return { allowed: false, retryAfterSeconds: 2 };
    this.taken.set(bucket, used + 1);
    return { allowed: true };
  }
}

const settings = { ...DEFAULT_REQUEST_LIMITS, credentialRequestBurst: 3, accountRequestBurst: 5, accountTestSendsPerMinute: 2, accountRecoversPerMinute: 1 };

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the request limiter', () => {
  const route = { operationId: 'listEndpoints' };

  test('a credential past its burst gets 429 with Retry-After; another account\'s key is unaffected', async () => {
    const limits = new CountingLimits();
    const limiter = createRequestLimiter(limits, settings, () => NOW);
    for (let request = 0; request < 3; request += 1) await limiter.admit(route, apiKey('acct_a', 'grw_aaaaaaaa'), undefined);
    const refused = await refusal(limiter.admit(route, apiKey('acct_a', 'grw_aaaaaaaa'), undefined));
    expect(refused).toMatchObject({ statusCode: 429, code: 'rate_limited', headers: { 'retry-after': '2' } });
    await expect(limiter.admit(route, apiKey('acct_b', 'grw_bbbbbbbb'), undefined)).resolves.toBeUndefined();
  });

  test('an account\'s keys share its bucket: a second key of the account is refused once the account is spent', async () => {
    const limits = new CountingLimits();
    const limiter = createRequestLimiter(limits, settings, () => NOW);
    for (const key of ['grw_11111111', 'grw_11111111', 'grw_22222222', 'grw_22222222', 'grw_33333333']) await limiter.admit(route, apiKey('acct_a', key), undefined);
    const refused = await refusal(limiter.admit(route, apiKey('acct_a', 'grw_44444444'), undefined));
    expect(refused.message).toMatch(/per account/);
    await expect(limiter.admit(route, apiKey('acct_b', 'grw_55555555'), undefined)).resolves.toBeUndefined();
  });

  test('test sends and recovers have a per-account budget per minute, whatever the endpoint', async () => {
    const limits = new CountingLimits();
    const limiter = createRequestLimiter(limits, { ...settings, credentialRequestBurst: 100, accountRequestBurst: 100 }, () => NOW);
    const auth = apiKey('acct_a', 'grw_aaaaaaaa');
    await limiter.admit({ operationId: 'testEndpoint' }, auth, undefined);
    await limiter.admit({ operationId: 'testEndpoint' }, auth, undefined);
    expect((await refusal(limiter.admit({ operationId: 'testEndpoint' }, auth, undefined))).message).toBe('At most 2 test sends per minute per account');
    await limiter.admit({ operationId: 'recoverEndpoint' }, auth, undefined);
    expect((await refusal(limiter.admit({ operationId: 'recoverEndpoint' }, auth, undefined))).message).toBe('At most 1 recovers per minute per account');
    expect(limits.calls).toContain('testEndpoint#acct_a');
    expect(limits.calls).toContain('recoverEndpoint#acct_a');
  });

  test('public routes are not counted; admin keys only per key', async () => {
    const limits = new CountingLimits();
    const limiter = createRequestLimiter(limits, settings, () => NOW);
    await limiter.admit(route, undefined, undefined);
    expect(limits.calls).toEqual([]);
    const admin: AdminAuth = { kind: 'admin', keyPrefix: 'gra_aaaaaaaa' };
    await limiter.admit({ operationId: 'createPortalLink' }, admin, undefined);
    expect(limits.calls).toEqual(['adminkey#gra_aaaaaaaa']);
  });
});

describe('credential buckets', () => {
  test('keys by their visible prefix, a portal link by a hash of its token (never the token)', () => {
    expect(credentialBucket(apiKey('a', 'grw_AbCd1234'), 'Bearer grw_AbCd1234rest')).toBe('apikey#grw_AbCd1234');
    const portal: AuthContext = { kind: 'portal', account: account('a'), expiresAt: NOW.toISOString(), scope: 'manage', mintedBy: 'cli' } as AuthContext;
    const bucket = credentialBucket(portal, 'Bearer grp_payload.signature');
    expect(bucket).toMatch(/^portal#[0-9a-f]{32}$/);
    expect(bucket).not.toContain('grp_');
    expect(credentialBucket(portal, 'Bearer grp_other.signature')).not.toBe(bucket);
  });
});

describe('settings from the environment', () => {
  test('defaults where unset, the variables where set', () => {
    expect(requestLimitsFromEnv({})).toEqual(DEFAULT_REQUEST_LIMITS);
    expect(requestLimitsFromEnv({ [REQUEST_LIMITS_ENV.credentialRequestsPerSecond]: '7' }).credentialRequestsPerSecond).toBe(7);
  });

  test.each(['0', '-1', '1.5', 'many'])('refuses %p at cold start', (value) => {
    expect(() => requestLimitsFromEnv({ [REQUEST_LIMITS_ENV.accountRequestBurst]: value })).toThrow(/ACCOUNT_REQUEST_BURST must be a positive integer/);
  });
});
