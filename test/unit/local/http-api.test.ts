import { compileRoute, formatRequestTime, isTextContentType, mapResult, selectRoute } from '../../../local/http-api';

const compile = (...keys: string[]) => keys.map(compileRoute);

describe('selectRoute (API Gateway HTTP API priorities)', () => {
  // The example of the API Gateway developer guide ("Routing API requests").
  const routes = compile('GET /pets/dog/1', 'GET /pets/dog/{id}', 'GET /pets/{proxy+}', 'ANY /{proxy+}', '$default');

  it.each([
    ['GET', '/pets/dog/1', 'GET /pets/dog/1', undefined],
    ['GET', '/pets/dog/2', 'GET /pets/dog/{id}', { id: '2' }],
    ['GET', '/pets/cat/1', 'GET /pets/{proxy+}', { proxy: 'cat/1' }],
    ['POST', '/pets/dog/1', 'ANY /{proxy+}', { proxy: 'pets/dog/1' }],
    ['GET', '/', '$default', undefined],
  ])('%s %s -> %s', (method, path, routeKey, pathParameters) => {
    const selected = selectRoute(routes, method, path);
    expect(selected?.route.routeKey).toBe(routeKey);
    expect(selected?.pathParameters).toEqual(pathParameters);
  });

  it('prefers a named method over ANY on the same path, and finds nothing without $default', () => {
    const both = compile('ANY /v1/{proxy+}', 'POST /v1/{proxy+}');
    expect(selectRoute(both, 'POST', '/v1/x')?.route.routeKey).toBe('POST /v1/{proxy+}');
    expect(selectRoute(both, 'GET', '/v1/x')?.route.routeKey).toBe('ANY /v1/{proxy+}');
    expect(selectRoute(both, 'GET', '/v2/x')).toBeUndefined();
    expect(selectRoute(both, 'GET', '/v1')).toBeUndefined();
  });

  it('decodes path parameters', () => {
    expect(selectRoute(compile('GET /items/{id}'), 'GET', '/items/a%20b')?.pathParameters).toEqual({ id: 'a b' });
  });

  it('refuses route keys API Gateway would refuse', () => {
    expect(() => compileRoute('GET /a/{proxy+}/b')).toThrow('greedy variable must be the last segment');
    expect(() => compileRoute('get /a')).toThrow('not an HTTP API route key');
  });
});

describe('event and answer details', () => {
  it('formats requestContext.time like API Gateway', () => {
    expect(formatRequestTime(new Date('2020-03-12T19:03:58.123Z'))).toBe('12/Mar/2020:19:03:58 +0000');
  });

  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['text/plain', true],
    ['application/vnd.api+json', true],
    ['application/octet-stream', false],
    ['image/png', false],
    [undefined, false],
  ])('isTextContentType(%s) is %s', (type, expected) => {
    expect(isTextContentType(type)).toBe(expected);
  });

  it('maps a structured answer, and refuses a nonsense status code like API Gateway', () => {
    expect(mapResult({ statusCode: 204, headers: { 'X-A': 1 } })).toMatchObject({ statusCode: 204, headers: { 'x-a': '1' } });
    expect(mapResult({ statusCode: 42 })).toMatchObject({ statusCode: 500 });
    expect(mapResult('hello').body.toString()).toBe('hello');
    expect(mapResult(null).body.toString()).toBe('null');
  });
});
