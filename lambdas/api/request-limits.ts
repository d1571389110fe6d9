// Limits per credential and per account on the management API, after authentication: each API
// key, portal link and admin key has a token bucket of its own, each account one for all its
// credentials, so one caller's burst answers 429 (with Retry-After) to that caller and its account
// only; other accounts are unaffected. Test sends and recovers also count per account per minute,
// so deleting and re-creating an endpoint buys no more of them. The stage's throttling stays the
// ceiling for everyone together; the function's reserved concurrency keeps the dispatcher's share.
import { createHash } from 'node:crypto';
import type { RateLimitResult } from '../adapters/management/rate-limit-store';
import { bearerToken } from './api-keys';
import { rateLimited } from './errors';
import type { RequestLimitSettings } from './request-limit-settings';
import type { AdminAuth, AuthContext, Route } from './router';

export interface RateLimits {
  consumeToken(bucket: string, perSecond: number, burst: number, now: Date): Promise<RateLimitResult>;
  consumeRateLimit(bucket: string, limit: number, windowSeconds: number, now: Date): Promise<RateLimitResult>;
}

export interface RequestLimiter {
  /** Throws 429 when the caller, its account or the operation's per-account budget is spent. */
  admit(route: Pick<Route, 'operationId'>, auth: AuthContext | AdminAuth | undefined, authorization: string | undefined): Promise<void>;
}

/** Operations with a per-account budget of their own, beyond the request rate: what each costs is more than a request. */
const OPERATION_BUDGETS: Readonly<Record<string, { readonly setting: keyof RequestLimitSettings; readonly what: string }>> = {
  testEndpoint: { setting: 'accountTestSendsPerMinute', what: 'test sends' },
  recoverEndpoint: { setting: 'accountRecoversPerMinute', what: 'recovers' },
};

/** The bucket of the credential used: API and admin keys by their visible prefix, a portal link by its token's hash (it is never stored). */
export function credentialBucket(auth: AuthContext | AdminAuth, authorization: string | undefined): string {
  switch (auth.kind) {
    case 'apiKey':
      return `apikey#${auth.keyPrefix}`;
    case 'admin':
      return `adminkey#${auth.keyPrefix}`;
    case 'portal':
      return `portal#${createHash('sha256').update(bearerToken(authorization) ?? '', 'utf8').digest('hex').slice(0, 32)}`;
  }
}

export function createRequestLimiter(rateLimits: RateLimits, settings: RequestLimitSettings, now: () => Date): RequestLimiter {
  return {
    async admit(route, auth, authorization) {
      // Public routes: the stage's throttling is their limit.
      if (!auth) return;
      const at = now();
      const account = auth.kind === 'admin' ? undefined : auth.account.accountId;
      const [credential, accountWide] = await Promise.all([
        rateLimits.consumeToken(credentialBucket(auth, authorization), settings.credentialRequestsPerSecond, settings.credentialRequestBurst, at),
        account === undefined ? undefined : rateLimits.consumeToken(`account#${account}`, settings.accountRequestsPerSecond, settings.accountRequestBurst, at),
      ]);
      if (!credential.allowed) throw rateLimited(`At most ${settings.credentialRequestsPerSecond} requests per second per credential`, credential.retryAfterSeconds);
      if (accountWide && !accountWide.allowed) throw rateLimited(`At most ${settings.accountRequestsPerSecond} requests per second per account`, accountWide.retryAfterSeconds);
      const budget = OPERATION_BUDGETS[route.operationId];
      if (!budget || account === undefined) return;
      const perMinute = settings[budget.setting];
      const used = await rateLimits.consumeRateLimit(`${route.operationId}#${account}`, perMinute, 60, at);
      if (!used.allowed) throw rateLimited(`At most ${perMinute} ${budget.what} per minute per account`, used.retryAfterSeconds);
    },
  };
}
