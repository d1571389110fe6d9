// Portal tokens v2 with the real key derivation over the local KMS: the claims round trip, and
// whatever the signature, a lifetime over a day, an iat ahead of the clock or a key id outside the
// accepted days is refused.
import { createHmac } from 'node:crypto';
import { MINTED_BY_CLI, type PortalClaims, signPortalToken, verifyPortalToken } from '../../../lambdas/api/portal-tokens';
import { localSigningKeys } from '../../support/local-signing-keys';

const { portalKeys: keys } = localSigningKeys();
const { portalKeys: otherDeployment } = localSigningKeys();
const now = new Date('2026-11-28T08:00:00.000Z');
const HOUR = 3_600_000;
const claims = (overrides: Partial<PortalClaims> = {}): PortalClaims => ({
  accountId: 'acct_1',
  issuedAt: now,
  expiresAt: new Date(now.getTime() + HOUR),
  scope: 'manage',
  mintedBy: 'gra_AbCd1234',
  ...overrides,
});

const parts = (token: string) => {
  const [payload = '', signature = ''] = token.slice(4).split('.');
  return { payload, signature, claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) };
};
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Any payload, signed with this deployment's key of `day`'s id: what only the API could make. */
const signed = async (payload: string, at: Date = now) => {
  const { key } = await keys.current(at);
  return `grp_${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
};
const v2 = (overrides: Record<string, unknown> = {}) =>
  encode({ a: 'acct_1', k: '2026-11-28', iat: now.getTime() / 1000, exp: now.getTime() / 1000 + 3600, s: 'manage', m: 'cli', n: 'nonce', ...overrides });

describe('signPortalToken', () => {
  it("makes grp_<base64url JSON {a, k, iat, exp, s, m, n}>.<base64url HMAC-SHA256 of the payload with the day's key>", async () => {
    const token = await signPortalToken(keys, claims({ scope: 'read' }), now);
    expect(token).toMatch(/^grp_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const { payload, signature, claims: payloadClaims } = parts(token);
    expect(payloadClaims).toEqual({
      a: 'acct_1',
      k: '2026-11-28',
      iat: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 3600,
      s: 'read',
      m: 'gra_AbCd1234',
      n: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
    });
    expect(signature).toBe(createHmac('sha256', (await keys.current(now)).key).update(payload).digest('base64url'));
  });

  it('never makes the same token twice (the nonce)', async () => {
    const tokens = new Set(await Promise.all(Array.from({ length: 50 }, () => signPortalToken(keys, claims(), now))));
    expect(tokens.size).toBe(50);
  });
});

describe('verifyPortalToken', () => {
  it('gives back account, issue and expiry, scope and minter until it expires, then says expired', async () => {
    for (const [scope, mintedBy] of [['read', 'gra_AbCd1234'], ['manage', MINTED_BY_CLI]] as const) {
      const token = await signPortalToken(keys, claims({ scope, mintedBy }), now);
      expect(await verifyPortalToken(keys, token, now)).toEqual({ ok: true, claims: claims({ scope, mintedBy }) });
      expect((await verifyPortalToken(keys, token, new Date(now.getTime() + HOUR - 1))).ok).toBe(true);
      expect(await verifyPortalToken(keys, token, new Date(now.getTime() + HOUR))).toEqual({ ok: false, reason: 'expired' });
    }
  });

  it('refuses a genuine signature over a lifetime of more than 24 hours, or none', async () => {
    const day = await signPortalToken(keys, claims({ expiresAt: new Date(now.getTime() + 24 * HOUR) }), now);
    expect((await verifyPortalToken(keys, day, now)).ok).toBe(true);
    for (const expiresAt of [new Date(now.getTime() + 24 * HOUR + 1000), new Date(now.getTime() + 30 * 24 * HOUR), now]) {
      const token = await signPortalToken(keys, claims({ expiresAt }), now);
      expect({ expiresAt, result: await verifyPortalToken(keys, token, now) }).toEqual({ expiresAt, result: { ok: false, reason: 'invalid' } });
    }
  });

  it('refuses a token issued more than a minute ahead of the clock, and takes one within that skew', async () => {
    const ahead = (ms: number) => signPortalToken(keys, claims({ issuedAt: new Date(now.getTime() + ms), expiresAt: new Date(now.getTime() + ms + HOUR) }), now);
    expect((await verifyPortalToken(keys, await ahead(60_000), now)).ok).toBe(true);
    expect(await verifyPortalToken(keys, await ahead(61_000), now)).toEqual({ ok: false, reason: 'invalid' });
    expect(await verifyPortalToken(keys, await ahead(12 * HOUR), now)).toEqual({ ok: false, reason: 'invalid' });
  });

  it("takes the keys of the last days only: yesterday's yes, three days back or an unknown id no", async () => {
    const yesterday = new Date(now.getTime() - 23 * HOUR);
    const lateYesterday = await signPortalToken(keys, claims({ issuedAt: yesterday, expiresAt: new Date(yesterday.getTime() + 24 * HOUR) }), yesterday);
    expect(parts(lateYesterday).claims.k).toBe('2026-11-27');
    expect((await verifyPortalToken(keys, lateYesterday, now)).ok).toBe(true);
    // Out of date by then anyway, but refused for its key before anything else.
    const old = await signPortalToken(keys, claims(), now);
    expect(await verifyPortalToken(keys, old, new Date(now.getTime() + 3 * 24 * HOUR))).toEqual({ ok: false, reason: 'invalid' });
    for (const k of ['2026-11-29', '2026-11-25', 'current', '../x', '']) {
      expect({ k, result: await verifyPortalToken(keys, await signed(v2({ k })), now) }).toEqual({ k, result: { ok: false, reason: 'invalid' } });
    }
  });

  it('refuses a token of another deployment, an edited payload or signature, and garbage, as invalid (never expired)', async () => {
    const token = await signPortalToken(keys, claims(), now);
    const { payload, signature, claims: payloadClaims } = parts(token);
    const candidates = [
      await signPortalToken(otherDeployment, claims(), now),
      `grp_${encode({ ...payloadClaims, a: 'acct_2' })}.${signature}`,
      `grp_${encode({ ...payloadClaims, s: 'manage', m: 'cli' })}.${signature}`,
      `grp_${encode({ ...payloadClaims, exp: payloadClaims.exp + 86_400 })}.${signature}`,
      `grp_${encode({ ...payloadClaims, exp: 1 })}.${signature}`,
      `grp_${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
      'grp_',
      'grp_abc.def',
      `${token}x`,
      token.replace('grp_', 'grw_'),
      `${token}.x`,
    ];
    for (const candidate of candidates) {
      expect({ candidate, result: await verifyPortalToken(keys, candidate, now) }).toEqual({ candidate, result: { ok: false, reason: 'invalid' } });
    }
  });

  it('refuses signed payloads that are not v2 claims, a v1 token among them', async () => {
    for (const payload of [
      encode({ a: 'acct_1', exp: now.getTime() / 1000 + 3600, n: 'nonce' }),
      v2({ a: 42 }),
      v2({ a: 'acct 1' }),
      v2({ iat: undefined }),
      v2({ exp: String(now.getTime() / 1000 + 3600) }),
      v2({ exp: now.getTime() / 1000 + 0.5 }),
      v2({ s: 'admin' }),
      v2({ s: undefined }),
      v2({ m: 'grw_AbCd1234' }),
      v2({ m: 'gra_short' }),
      v2({ m: undefined }),
      encode(null),
      Buffer.from('not json at all!').toString('base64url'),
    ]) {
      expect(await verifyPortalToken(keys, await signed(payload), now)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect((await verifyPortalToken(keys, await signed(v2()), now)).ok).toBe(true);
  });
});
