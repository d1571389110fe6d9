// Identifiers: random ones for things people create, derived ones for things that must be
// recognised again (the same event x endpoint always maps to the same delivery).
import { createHash, randomBytes } from 'node:crypto';

/** 32 symbols so each random byte maps without bias (256 % 32 === 0); lowercase and URL-safe. */
const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const RANDOM_ID_LENGTH = 26; // 130 bits

/** `dlv_` + 32 hex chars: stable across retries and redeliveries, distinct per (account, event, endpoint). */
export function deliveryIdFor(accountId: string, eventId: string, endpointId: string): string {
  const hash = createHash('sha256');
  // Length-prefixing each part keeps ("a:b", "c") and ("a", "b:c") apart.
  for (const part of [accountId, eventId, endpointId]) {
    hash.update(`${Buffer.byteLength(part, 'utf8')}:${part};`, 'utf8');
  }
  return `dlv_${hash.digest('hex').slice(0, 32)}`;
}

/** `${prefix}_` + 26 random characters from [0-9a-z]. */
export function newId(prefix: string): string {
  if (!/^[a-z][a-z0-9]*$/.test(prefix)) throw new Error(`newId: prefix must be lowercase letters and digits, got "${prefix}"`);
  const bytes = randomBytes(RANDOM_ID_LENGTH);
  let suffix = '';
  for (const byte of bytes) suffix += ID_ALPHABET[byte % ID_ALPHABET.length];
  return `${prefix}_${suffix}`;
}

export function newEndpointId(): string {
  return newId('ep');
}

export function newAccountId(): string {
  return newId('acct');
}

const SCHEDULE_NAME_PATTERN = /^[0-9a-zA-Z_.-]{1,64}$/;

/** EventBridge Scheduler name for one retry; unique per delivery and attempt so a repeat create conflicts. */
export function retryScheduleName(deliveryId: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`retryScheduleName: attempt must be a positive integer, got ${attempt}`);
  const name = `retry-${deliveryId}-${attempt}`;
  if (!SCHEDULE_NAME_PATTERN.test(name)) {
    throw new Error(`retryScheduleName: "${name}" is not a valid schedule name (at most 64 of [0-9a-zA-Z-_.])`);
  }
  return name;
}
