// Bearer keys: random, shown once, stored only as a SHA-256 hash. The visible prefix identifies a
// key in lists and for revocation without revealing it. Two kinds share the format: customers'
// API keys (grw_..., an account's routes) and operators' admin keys (gra_..., admin routes only).
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'grw_';
export const ADMIN_KEY_PREFIX = 'gra_';
/** 32 random bytes = 43 base64url characters (256 bits). */
const RANDOM_BYTES = 32;
/** The kind's 4 characters + the first 8 random characters: 48 bits, enough to tell keys apart, useless to guess with. */
const VISIBLE_RANDOM_CHARACTERS = 8;

export interface GeneratedKey {
  /** The key itself: give it to its holder once, never store it. */
  readonly key: string;
  readonly keyPrefix: string;
  readonly keyHash: string;
}

export interface GeneratedApiKey {
  /** The key itself: give it to the customer once, never store it. */
  readonly apiKey: string;
  readonly keyPrefix: string;
  readonly keyHash: string;
}

/** One kind of key: how it is made and recognised. */
function keyFormat(prefix: string) {
  const pattern = new RegExp(`^${prefix}[A-Za-z0-9_-]{32,128}$`);
  const visibleLength = prefix.length + VISIBLE_RANDOM_CHARACTERS;
  return {
    generate(): GeneratedKey {
      const key = prefix + randomBytes(RANDOM_BYTES).toString('base64url');
      return { key, keyPrefix: key.slice(0, visibleLength), keyHash: hashApiKey(key) };
    },
    isWellFormed: (value: string) => pattern.test(value),
    isPrefix: (value: string) => value.length === visibleLength && pattern.test(value.padEnd(prefix.length + 32, 'x')),
    visiblePrefix: (value: string) => value.slice(0, visibleLength),
  };
}

const API_KEYS = keyFormat(API_KEY_PREFIX);
const ADMIN_KEYS = keyFormat(ADMIN_KEY_PREFIX);

export function generateApiKey(): GeneratedApiKey {
  const { key, keyPrefix, keyHash } = API_KEYS.generate();
  return { apiKey: key, keyPrefix, keyHash };
}

export const generateAdminKey = (): GeneratedKey => ADMIN_KEYS.generate();

/** Lowercase hex SHA-256. Keys are looked up by this hash, so no stored secret is ever compared byte by byte. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export const visiblePrefix = API_KEYS.visiblePrefix;

/** Cheap syntax check before any database read. */
export const isWellFormedApiKey = API_KEYS.isWellFormed;
export const isWellFormedAdminKey = ADMIN_KEYS.isWellFormed;

export const isKeyPrefix = API_KEYS.isPrefix;
export const isAdminKeyPrefix = ADMIN_KEYS.isPrefix;

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
