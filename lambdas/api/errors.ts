// Typed errors and the one place that maps them to HTTP answers. Every error body is
// `{"error": {"code", "message", "details"?}}`; anything unexpected becomes a bare 500, so no
// stack trace or internal name ever reaches a client.
import { InvalidCursorError } from '../adapters/management-store';
import { UrlPolicyError } from '../domain/url-policy';

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body is base64 (binary or compressed content); API Gateway decodes it. */
  readonly isBase64Encoded?: boolean;
}

export interface ErrorDetail {
  /** Where the offending value was: the JSON body, the query string or a header. */
  readonly location: 'body' | 'query' | 'header' | 'path';
  /** Dotted path inside that location, e.g. `events[1]`; empty for the whole value. */
  readonly field: string;
  readonly message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: readonly ErrorDetail[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The request failed schema validation; details name each field. */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  constructor(readonly details: readonly ErrorDetail[]) {
    super('request validation failed');
  }
}

export const badRequest = (code: string, message: string, details?: readonly ErrorDetail[]) =>
  new ApiError(400, code, message, details);
export const unauthorized = (message: string, code = 'unauthorized') =>
  new ApiError(401, code, message, undefined, { 'www-authenticate': 'Bearer' });
export const forbidden = (code: string, message: string) => new ApiError(403, code, message);
export const notFound = (message = 'Not found') => new ApiError(404, 'not_found', message);
export const methodNotAllowed = (allowed: readonly string[]) =>
  new ApiError(405, 'method_not_allowed', 'Method not allowed', undefined, { allow: allowed.join(', ') });
export const conflict = (code: string, message: string) => new ApiError(409, code, message);
export const payloadTooLarge = (limitBytes: number) =>
  new ApiError(413, 'payload_too_large', `Request body is larger than ${limitBytes} bytes`);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new ApiError(429, 'rate_limited', message, undefined, { 'retry-after': String(retryAfterSeconds) });

export function json(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): ApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function noContent(): ApiResponse {
  return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
}

function errorBody(code: string, message: string, details?: readonly ErrorDetail[]) {
  return { error: { code, message, ...(details && details.length > 0 ? { details } : {}) } };
}

/** The answer for any thrown value. `isInternal` tells the caller to log it. */
export function errorResponse(error: unknown): ApiResponse & { isInternal: boolean } {
  if (error instanceof ApiError) {
    return { ...json(error.statusCode, errorBody(error.code, error.message, error.details), error.headers), isInternal: false };
  }
  if (error instanceof RequestValidationError) {
    return { ...json(400, errorBody('validation_failed', 'The request is not valid', error.details)), isInternal: false };
  }
  if (error instanceof UrlPolicyError) {
    const details: ErrorDetail[] = [{ location: 'body', field: 'url', message: error.reason }];
    return { ...json(400, errorBody('invalid_url', 'The endpoint URL is not allowed', details)), isInternal: false };
  }
  if (error instanceof InvalidCursorError) {
    const details: ErrorDetail[] = [{ location: 'query', field: 'cursor', message: error.message }];
    return { ...json(400, errorBody('invalid_cursor', 'The paging cursor is not valid', details)), isInternal: false };
  }
  return { ...json(500, errorBody('internal_error', 'Internal server error')), isInternal: true };
}
