import { z } from 'zod';
import { InvalidCursorError } from '../../../lambdas/adapters/management-store';
import { issueDetail } from '../../../lambdas/api/app';
import { ApiError, errorResponse, rateLimited, RequestValidationError } from '../../../lambdas/api/errors';
import { UrlPolicyError } from '../../../lambdas/domain/url-policy';

describe('errorResponse', () => {
  it('turns anything unexpected into a bare 500 that names nothing internal', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'secret') at ManagementStore.getEndpoint");
    const response = errorResponse(error);
    expect(response).toMatchObject({ statusCode: 500, isInternal: true });
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
  });

  it('maps typed errors to their status with the error envelope and headers', () => {
    const limited = errorResponse(rateLimited('slow down', 17));
    expect(limited).toMatchObject({ statusCode: 429, isInternal: false, headers: { 'retry-after': '17', 'content-type': 'application/json' } });
    expect(JSON.parse(limited.body)).toEqual({ error: { code: 'rate_limited', message: 'slow down' } });

    const invalid = errorResponse(new RequestValidationError([{ location: 'body', field: 'url', message: 'required' }]));
    expect(JSON.parse(invalid.body)).toEqual({
      error: { code: 'validation_failed', message: 'The request is not valid', details: [{ location: 'body', field: 'url', message: 'required' }] },
    });
    expect(errorResponse(new UrlPolicyError('host x is loopback')).statusCode).toBe(400);
    expect(JSON.parse(errorResponse(new InvalidCursorError()).body).error.code).toBe('invalid_cursor');
    expect(JSON.parse(errorResponse(new ApiError(409, 'c', 'm', [])).body)).toEqual({ error: { code: 'c', message: 'm' } });
  });
});

describe('issueDetail', () => {
  const issuesOf = (schema: z.ZodType, value: unknown) => {
    const result = schema.safeParse(value);
    if (result.success) throw new Error('expected a failure');
    return result.error.issues.map((issue) => issueDetail(issue, 'body'));
  };

  it('names nested fields with dots and brackets, and says "required" for a missing one', () => {
    const schema = z.strictObject({ a: z.object({ list: z.array(z.string()) }), b: z.string() });
    expect(issuesOf(schema, { a: { list: ['x', 3] } })).toEqual([
      { location: 'body', field: 'a.list[1]', message: 'expected string, received number' },
      { location: 'body', field: 'b', message: 'required (expected string)' },
    ]);
  });

  it('names unknown keys', () => {
    expect(issuesOf(z.strictObject({ a: z.string() }), { a: 'x', b: 1, c: 2 })).toEqual([
      { location: 'body', field: 'b, c', message: 'unknown fields' },
    ]);
  });
});
