// Portal tokens: short-lived, account-scoped bearer tokens for the customer portal, minted by an
// operator (admin CLI or the admin route) and never stored. Format (v2):
//   grp_<base64url(JSON {"a", "k", "iat", "exp", "s", "m", "n"})>.<base64url(HMAC-SHA256)>
// a: the account; k: the id of the signing key (a UTC day, adapters/kms-signing-keys.ts); iat and
// exp: epoch seconds; s: the scope ('read' or 'manage'); m: who minted it (the admin key's
// 12-character prefix, or 'cli'); n: a random nonce, so every token is distinct. The HMAC covers the
// base64url payload with the day's key derived from the stack's KMS HMAC key: nothing in the table
// can sign one. Verification trusts no claim blindly: a lifetime over a day, an iat in the future or
// a key id outside the last days is refused, whatever the signature.
import type { KMSClient } from '@aws-sdk/client-kms';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { KmsSigningKeys, type SigningKeys } from '../adapters/kms-signing-keys';
import { isAdminKeyPrefix } from './api-keys';

export const PORTAL_TOKEN_PREFIX = 'grp_';
export const DEFAULT_PORTAL_TTL_MINUTES = 60;
export const MIN_PORTAL_TTL_MINUTES = 1;
/** A day: long enough for a working session, short enough that a leaked link dies soon. */
export const MAX_PORTAL_TTL_MINUTES = 24 * 60;
/** How far ahead of the verifier's clock a token's iat may be (the minting machine's clock may run ahead). */
export const PORTAL_CLOCK_SKEW_SECONDS = 60;
/** The minter of links made with the admin CLI, which needs no admin key (it has the table). */
export const MINTED_BY_CLI = 'cli';

export const PORTAL_SCOPES = ['read', 'manage'] as const;
/** read: GET routes only (auth.ts answers anything else 403 read_only_link); manage: what an API key may do. */
export type PortalScope = (typeof PORTAL_SCOPES)[number];
export const DEFAULT_PORTAL_SCOPE: PortalScope = 'manage';

/**
 * Today's and the two days before: a token lives at most a day, and one that ran out yesterday still
 * reads as expired (a message the portal explains) rather than as not valid.
 */
const PORTAL_KEY_ACCEPTED_DAYS = 2;

/** The signing keys of portal tokens; the API and the admin CLI must derive the same ones. */
export function portalSigningKeys(kms: Pick<KMSClient, 'send'>, keyArn: string): SigningKeys {
  return new KmsSigningKeys(kms, keyArn, 'portal-token', PORTAL_KEY_ACCEPTED_DAYS);
}

/** Base64url of a JSON payload of at most ~700 bytes, a dot, a 43-character SHA-256 HMAC. */
const TOKEN_PATTERN = /^grp_([A-Za-z0-9_-]{16,1024})\.([A-Za-z0-9_-]{43})$/;
const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export interface PortalClaims {
  readonly accountId: string;
  /** Whole seconds, as the token carries them. */
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly scope: PortalScope;
  /** The minting admin key's prefix (gra_ + 8), or MINTED_BY_CLI. */
  readonly mintedBy: string;
}

export type PortalTokenCheck = { readonly ok: true; readonly claims: PortalClaims } | { readonly ok: false; readonly reason: 'invalid' | 'expired' };

/** Signs with the key current at `now`. */
export async function signPortalToken(keys: SigningKeys, claims: PortalClaims, now: Date): Promise<string> {
  const { id, key } = await keys.current(now);
  const payload = Buffer.from(
    JSON.stringify({
      a: claims.accountId,
      k: id,
      iat: epochSeconds(claims.issuedAt),
      exp: epochSeconds(claims.expiresAt),
      s: claims.scope,
      m: claims.mintedBy,
      n: randomBytes(12).toString('base64url'),
    }),
    'utf8',
  ).toString('base64url');
  return `${PORTAL_TOKEN_PREFIX}${payload}.${mac(key, payload)}`;
}

/** Tells a bearer token of this kind from an API key before any check. */
export const looksLikePortalToken = (token: string): boolean => token.startsWith(PORTAL_TOKEN_PREFIX);

const INVALID: PortalTokenCheck = { ok: false, reason: 'invalid' };

/**
 * The token's claims if this deployment signed it with a key still accepted, its lifetime is at
 * most a day, it was not issued in the future and it has not expired. The payload's shape is read
 * first (its key id names the key), then the signature is checked in constant time before any
 * claim counts; only a genuine token can be "expired".
 */
export async function verifyPortalToken(keys: SigningKeys, token: string, now: Date): Promise<PortalTokenCheck> {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return INVALID;
  const [, payload = '', signature = ''] = match;
  const claims = parseClaims(payload);
  if (!claims) return INVALID;
  // An id outside the accepted days answers undefined without asking KMS: forged ids cost nothing.
  const key = await keys.byId(claims.k, now);
  if (!key) return INVALID;
  const expected = Buffer.from(mac(key, payload), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return INVALID;
  const { a, iat, exp, s, m } = claims;
  // Even a genuine signature does not stretch a link: a bug or a leaked key in a minter must not mint forever.
  if (exp <= iat || exp - iat > MAX_PORTAL_TTL_MINUTES * 60) return INVALID;
  if (iat * 1000 > now.getTime() + PORTAL_CLOCK_SKEW_SECONDS * 1000) return INVALID;
  if (exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { accountId: a, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000), scope: s, mintedBy: m } };
}

interface RawClaims {
  readonly a: string;
  readonly k: string;
  readonly iat: number;
  readonly exp: number;
  readonly s: PortalScope;
  readonly m: string;
}

/** The payload's claims if each has its type; a v1 token (no k, iat, s, m) is not one. */
function parseClaims(payload: string): RawClaims | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { a, k, iat, exp, s, m } = parsed as Record<string, unknown>;
  if (typeof a !== 'string' || !ACCOUNT_ID_PATTERN.test(a)) return undefined;
  if (typeof k !== 'string' || !KEY_ID_PATTERN.test(k)) return undefined;
  if (!isEpochSeconds(iat) || !isEpochSeconds(exp)) return undefined;
  if (s !== 'read' && s !== 'manage') return undefined;
  if (typeof m !== 'string' || (m !== MINTED_BY_CLI && !isAdminKeyPrefix(m))) return undefined;
  return { a, k, iat, exp, s, m };
}

const isEpochSeconds = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload, 'utf8').digest('base64url');
}
