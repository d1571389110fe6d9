// `Idempotency-Key` on POST routes: the same key from the same account within 24 h gets the first
// answer again instead of a second side effect. Only successes are kept; an error changed
// nothing, so the client may retry with the same key.
import { createHash } from 'node:crypto';
import type { ManagementStore, StoredResponse } from '../adapters/management-store';
import { type ApiResponse, badRequest, conflict } from './errors';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** Longer than the function's timeout, so a live request's key is never taken over. */
const LOCK_SECONDS = 60;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Validates the header; undefined when absent. */
export function readIdempotencyKey(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const value = headers[IDEMPOTENCY_HEADER];
  if (value === undefined) return undefined;
  if (!KEY_PATTERN.test(value)) {
    throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { location: 'header', field: 'Idempotency-Key', message: 'expected 1 to 255 visible ASCII characters' },
    ]);
  }
  return value;
}

/** Identifies "the same request": method, path and body bytes. */
export function requestFingerprint(method: string, path: string, body: string): string {
  return createHash('sha256').update(`${method} ${path}\n`, 'utf8').update(body, 'utf8').digest('hex');
}

export async function runIdempotent(
  store: ManagementStore,
  request: { accountId: string; key: string; fingerprint: string; now: Date },
  run: () => Promise<ApiResponse>,
): Promise<ApiResponse> {
  const { accountId, key, fingerprint } = request;
  const claim = await store.idempotency.claimIdempotencyKey(accountId, key, fingerprint, {
    now: request.now,
    ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    lockSeconds: LOCK_SECONDS,
  });
  switch (claim.kind) {
    case 'replay':
      return { ...claim.response, headers: { ...claim.response.headers, 'idempotent-replayed': 'true' } };
    case 'mismatch':
      throw conflict('idempotency_key_reused', 'This Idempotency-Key was already used for a different request');
    case 'in_progress':
      throw conflict('idempotency_request_in_progress', 'A request with this Idempotency-Key is still in progress');
    case 'claimed':
      break;
  }
  let response: ApiResponse;
  try {
    response = await run();
  } catch (error) {
    await store.idempotency.releaseIdempotencyKey(accountId, key, fingerprint);
    throw error;
  }
  if (response.statusCode >= 200 && response.statusCode < 300) {
    const stored: StoredResponse = { statusCode: response.statusCode, headers: response.headers, body: response.body };
    await store.idempotency.completeIdempotencyKey(accountId, key, fingerprint, stored);
  } else {
    await store.idempotency.releaseIdempotencyKey(accountId, key, fingerprint);
  }
  return response;
}
