import { createHmac, randomBytes } from 'node:crypto';
import { signPortalToken, verifyPortalToken } from '../../../lambdas/api/portal-tokens';

const key = randomBytes(32);
const now = new Date('2026-11-28T08:00:00.000Z');
const inAnHour = new Date(now.getTime() + 3_600_000);

const parts = (token: string) => {
  const [payload = '', signature = ''] = token.slice(4).split('.');
  return { payload, signature, claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) };
};
const signed = (payload: string) => `grp_${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('signPortalToken', () => {
  it('makes grp_<base64url JSON {a, exp, n}>.<base64url HMAC-SHA256 of the payload>', () => {
    const token = signPortalToken(key, { accountId: 'acct_1', expiresAt: inAnHour });
    expect(token).toMatch(/^grp_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const { payload, signature, claims } = parts(token);
    expect(claims).toEqual({ a: 'acct_1', exp: inAnHour.getTime() / 1000, n: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) });
    expect(signature).toBe(createHmac('sha256', key).update(payload).digest('base64url'));
  });

  it('never makes the same token twice (the nonce)', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => signPortalToken(key, { accountId: 'acct_1', expiresAt: inAnHour })));
    expect(tokens.size).toBe(50);
  });
});

describe('verifyPortalToken', () => {
  it('gives the claims of a genuine token until it expires, then says expired', () => {
    const token = signPortalToken(key, { accountId: 'acct_1', expiresAt: inAnHour });
    expect(verifyPortalToken(key, token, now)).toEqual({ ok: true, claims: { accountId: 'acct_1', expiresAt: inAnHour } });
    expect(verifyPortalToken(key, token, new Date(inAnHour.getTime() - 1)).ok).toBe(true);
    expect(verifyPortalToken(key, token, inAnHour)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token signed with another key, an edited payload or signature, and garbage, as invalid (never expired)', () => {
    const token = signPortalToken(key, { accountId: 'acct_1', expiresAt: inAnHour });
    const { payload, signature, claims } = parts(token);
    const otherKey = signPortalToken(randomBytes(32), { accountId: 'acct_1', expiresAt: inAnHour });
    const otherAccount = `grp_${encode({ ...claims, a: 'acct_2' })}.${signature}`;
    const flipped = `grp_${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const expiredForgery = `grp_${encode({ ...claims, exp: 1 })}.${signature}`;
    for (const candidate of [otherKey, otherAccount, flipped, expiredForgery, 'grp_', 'grp_abc.def', `${token}x`, token.replace('grp_', 'grw_'), `${token}.x`]) {
      expect({ candidate, result: verifyPortalToken(key, candidate, now) }).toEqual({ candidate, result: { ok: false, reason: 'invalid' } });
    }
  });

  it('refuses signed payloads that are not the expected claims', () => {
    for (const payload of [
      encode({ a: 'acct_1' }),
      encode({ a: 42, exp: 9_999_999_999 }),
      encode({ a: 'acct 1', exp: 9_999_999_999 }),
      encode({ a: 'acct_1', exp: '9999999999' }),
      encode({ a: 'acct_1', exp: 1.5e10 + 0.5 }),
      encode(null),
      Buffer.from('not json at all!').toString('base64url'),
    ]) {
      expect(verifyPortalToken(key, signed(payload), now)).toEqual({ ok: false, reason: 'invalid' });
    }
  });
});
