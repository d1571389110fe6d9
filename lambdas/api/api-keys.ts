// API keys: random, shown once, stored only as a SHA-256 hash. The visible prefix identifies a
// key in lists and for revocation without revealing it.
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'grw_';
/** 32 random bytes = 43 base64url characters (256 bits). */
const RANDOM_BYTES = 32;
/** `grw_` + the first 8 random characters: 48 bits, enough to tell keys apart, useless to guess with. */
const VISIBLE_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
const API_KEY_PATTERN = /^grw_[A-Za-z0-9_-]{32,128}$/;

export interface GeneratedApiKey {
  /** The key itself: give it to the customer once, never store it. */
  readonly apiKey: string;
  readonly keyPrefix: string;
  readonly keyHash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const apiKey = API_KEY_PREFIX + randomBytes(RANDOM_BYTES).toString('base64url');
  return { apiKey, keyPrefix: visiblePrefix(apiKey), keyHash: hashApiKey(apiKey) };
}

/** Lowercase hex SHA-256. Keys are looked up by this hash, so no stored secret is ever compared byte by byte. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export function visiblePrefix(apiKey: string): string {
  return apiKey.slice(0, VISIBLE_PREFIX_LENGTH);
}

/** Cheap syntax check before any database read. */
export function isWellFormedApiKey(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}

export function isKeyPrefix(value: string): boolean {
  return value.length === VISIBLE_PREFIX_LENGTH && API_KEY_PATTERN.test(value.padEnd(API_KEY_PREFIX.length + 32, 'x'));
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
