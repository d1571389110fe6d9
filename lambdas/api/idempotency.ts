// `Idempotency-Key` on POST routes: the same key from the same account within 24 h gets the first
// answer again instead of a second side effect. Only successes are kept; an error changed
// nothing, so the client may retry with the same key. No stored answer holds a signing secret
// (create's 201 and rotate-secret's 200 carry one): it is left out and read again on a replay.
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

/**
 * The answer as stored: a top-level `secret` becomes null (keeping the body's field order), and
 * `secretOf` names its endpoint: the answer's own `id` (a create) or else the path's (a rotation).
 */
export function withoutSecret(response: Pick<ApiResponse, 'statusCode' | 'headers' | 'body'>, pathId: string | undefined): StoredResponse {
  const stored: StoredResponse = { statusCode: response.statusCode, headers: response.headers, body: response.body };
  const body = parseObject(response.body);
  if (!body || typeof body.secret !== 'string') return stored;
  const endpointId = typeof body.id === 'string' ? body.id : pathId;
  if (endpointId === undefined) return { ...stored, body: JSON.stringify(withoutField(body, 'secret')) };
  return { ...stored, body: JSON.stringify({ ...body, secret: null }), secretOf: endpointId };
}

/**
 * A stored answer as replayed: the endpoint's current secret put back (after a later rotation
 * that is the newer one, which is the one that signs). When the endpoint is gone, there is no
 * secret to give and the field is left out.
 */
export async function withSecret(store: Pick<ManagementStore, 'endpoints'>, accountId: string, stored: StoredResponse): Promise<ApiResponse> {
  const { statusCode, headers, body } = stored;
  const parsed = stored.secretOf === undefined ? undefined : parseObject(body);
  if (!parsed || stored.secretOf === undefined) return { statusCode, headers, body };
  const endpoint = await store.endpoints.getEndpoint(accountId, stored.secretOf);
  return { statusCode, headers, body: JSON.stringify(endpoint ? { ...parsed, secret: endpoint.secret } : withoutField(parsed, 'secret')) };
}

function withoutField(body: Record<string, unknown>, field: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name]) => name !== field));
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function runIdempotent(
  store: ManagementStore,
  /** `pathId`: the path's `{id}`, the endpoint of a rotate-secret answer. */
  request: { accountId: string; key: string; fingerprint: string; now: Date; pathId?: string | undefined },
  run: () => Promise<ApiResponse>,
): Promise<ApiResponse> {
  const { accountId, key, fingerprint } = request;
  const claim = await store.idempotency.claimIdempotencyKey(accountId, key, fingerprint, {
    now: request.now,
    ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    lockSeconds: LOCK_SECONDS,
  });
  switch (claim.kind) {
    case 'replay': {
      const replayed = await withSecret(store, accountId, claim.response);
      return { ...replayed, headers: { ...replayed.headers, 'idempotent-replayed': 'true' } };
    }
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
    await store.idempotency.completeIdempotencyKey(accountId, key, fingerprint, withoutSecret(response, request.pathId));
  } else {
    await store.idempotency.releaseIdempotencyKey(accountId, key, fingerprint);
  }
  return response;
}
