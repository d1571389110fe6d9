import { ApiError } from '../../../lambdas/api/errors';
import { defineRoute, resolveRoute, type Route } from '../../../lambdas/api/router';

const route = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string): Route =>
  defineRoute({ method, path, operationId: `${method}${path}`, summary: '', tag: 't', access: 'public', errors: [], success: { status: 200, description: '' }, handle: async () => undefined });

const routes = [
  route('GET', '/v1/endpoints'),
  route('POST', '/v1/endpoints'),
  route('GET', '/v1/endpoints/{id}'),
  route('DELETE', '/v1/endpoints/{id}'),
  route('POST', '/v1/endpoints/{id}/test'),
];

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('resolveRoute', () => {
  it('matches literal and parameterised paths, ignoring a trailing slash', () => {
    expect(resolveRoute(routes, 'POST', '/v1/endpoints').route.operationId).toBe('POST/v1/endpoints');
    expect(resolveRoute(routes, 'GET', '/v1/endpoints/ep_1/')).toMatchObject({ route: { operationId: 'GET/v1/endpoints/{id}' }, params: { id: 'ep_1' } });
    expect(resolveRoute(routes, 'POST', '/v1/endpoints/ep_1/test').params).toEqual({ id: 'ep_1' });
  });

  it('decodes percent-encoded ids and refuses anything that is not an id we could have issued', () => {
    expect(resolveRoute(routes, 'GET', '/v1/endpoints/ep%5F1').params).toEqual({ id: 'ep_1' });
    for (const path of ['/v1/endpoints/ep%2F1', '/v1/endpoints/%E0%A4%A', '/v1/endpoints/a.b', `/v1/endpoints/${'x'.repeat(129)}`]) {
      expect(thrown(() => resolveRoute(routes, 'GET', path))).toMatchObject({ statusCode: 404, code: 'not_found' });
    }
  });

  it('answers 405 with the allowed methods for a known path, 404 for an unknown one', () => {
    const wrongMethod = thrown(() => resolveRoute(routes, 'PATCH', '/v1/endpoints'));
    expect(wrongMethod).toMatchObject({ statusCode: 405, headers: { allow: 'GET, POST' } });
    expect(thrown(() => resolveRoute(routes, 'PUT', '/v1/endpoints/ep_1')).headers).toEqual({ allow: 'GET, DELETE' });
    expect(thrown(() => resolveRoute(routes, 'GET', '/v1/endpoints/ep_1/nope'))).toMatchObject({ statusCode: 404, message: 'No such route' });
    expect(thrown(() => resolveRoute(routes, 'GET', '/v1/endpoints//test'))).toMatchObject({ statusCode: 404 });
  });
});
