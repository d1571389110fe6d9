// Portal tokens: short-lived, account-scoped bearer tokens for the customer portal, minted by an
// operator (admin CLI or the admin route) and never stored. Format:
//   grp_<base64url(JSON {"a": accountId, "exp": epoch seconds, "n": random nonce})>.<base64url(HMAC-SHA256)>
// The HMAC covers the base64url payload and uses the table's portal key (CONFIG / PORTALKEY), so
// only this deployment can make one; the nonce makes every token distinct.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PORTAL_TOKEN_PREFIX = 'grp_';
export const DEFAULT_PORTAL_TTL_MINUTES = 60;
export const MIN_PORTAL_TTL_MINUTES = 1;
/** A day: long enough for a working session, short enough that a leaked link dies soon. */
export const MAX_PORTAL_TTL_MINUTES = 24 * 60;

/** Base64url of a JSON payload of at most ~700 bytes, a dot, a 43-character SHA-256 HMAC. */
const TOKEN_PATTERN = /^grp_([A-Za-z0-9_-]{16,1024})\.([A-Za-z0-9_-]{43})$/;
const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export interface PortalClaims {
  readonly accountId: string;
  readonly expiresAt: Date;
}

export type PortalTokenCheck = { readonly ok: true; readonly claims: PortalClaims } | { readonly ok: false; readonly reason: 'invalid' | 'expired' };

export function signPortalToken(key: Buffer, claims: PortalClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ a: claims.accountId, exp: Math.floor(claims.expiresAt.getTime() / 1000), n: randomBytes(12).toString('base64url') }),
    'utf8',
  ).toString('base64url');
  return `${PORTAL_TOKEN_PREFIX}${payload}.${mac(key, payload)}`;
}

/** Tells a bearer token of this kind from an API key before any check. */
export const looksLikePortalToken = (token: string): boolean => token.startsWith(PORTAL_TOKEN_PREFIX);

/**
 * The token's claims if this deployment signed it and it has not expired. The signature is
 * checked (in constant time) before the payload is read; only a genuine token can be "expired".
 */
export function verifyPortalToken(key: Buffer, token: string, now: Date): PortalTokenCheck {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, payload = '', signature = ''] = match;
  const expected = Buffer.from(mac(key, payload), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  const { a, exp } = (claims ?? {}) as { a?: unknown; exp?: unknown };
  if (typeof a !== 'string' || !ACCOUNT_ID_PATTERN.test(a) || typeof exp !== 'number' || !Number.isSafeInteger(exp)) {
    return { ok: false, reason: 'invalid' };
  }
  if (exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { accountId: a, expiresAt: new Date(exp * 1000) } };
}

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload, 'utf8').digest('base64url');
}
