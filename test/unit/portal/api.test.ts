import { ApiClient, ApiRequestError, type LinkProblem, withQuery } from '../../../portal/src/api';
import type { components } from '../../../portal/src/generated/api-schema';

/** Bodies the API would refuse, sent on purpose: the client passes them on as given. */
type CreateEndpointRequest = components['schemas']['CreateEndpointRequest'];

interface Call {
  url: string;
  init: { method: string; headers: Record<string, string>; body?: string; credentials: string; cache: string; referrerPolicy: string };
}

function client(answers: Array<{ status: number; body?: unknown } | Error>) {
  const calls: Call[] = [];
  const problems: LinkProblem[] = [];
  const api = new ApiClient({
    baseUrl: 'https://api.example.com/',
    token: 'grp_token_123456',
    // The Request openapi-fetch builds, recorded as the URL and the init a page's fetch would get.
    fetch: async (request) => {
      const body = await request.text();
      const init = { method: request.method, headers: Object.fromEntries(request.headers), credentials: request.credentials, cache: request.cache, referrerPolicy: request.referrerPolicy };
      calls.push({ url: request.url, init: body === '' ? init : { ...init, body } });
      const answer = answers.shift();
      if (!answer) throw new Error('no answer left');
      if (answer instanceof Error) throw answer;
      return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status });
    },
    onLinkProblem: (problem) => problems.push(problem),
  });
  return { api, calls, problems };
}

const error = async (promise: Promise<unknown>): Promise<ApiRequestError> => {
  try {
    await promise;
  } catch (caught) {
    if (caught instanceof ApiRequestError) return caught;
    throw caught;
  }
  throw new Error('expected an ApiRequestError');
};

describe('ApiClient', () => {
  it('sends the token as a Bearer credential, JSON bodies, no cookies, no cache and no Referer', async () => {
    const { api, calls } = client([{ status: 201, body: { id: 'ep_1' } }]);
    expect(await api.post('/v1/endpoints', { body: { url: 'https://hooks.example.com' } as CreateEndpointRequest })).toEqual({ id: 'ep_1' });
    expect(calls).toEqual([
      {
        url: 'https://api.example.com/v1/endpoints',
        init: {
          method: 'POST',
          headers: { authorization: 'Bearer grp_token_123456', accept: 'application/json', 'content-type': 'application/json' },
          body: '{"url":"https://hooks.example.com"}',
          credentials: 'omit',
          cache: 'no-store',
          referrerPolicy: 'no-referrer',
        },
      },
    ]);
  });

  it('puts query parameters on GETs, leaving out empty ones, and answers undefined for 204', async () => {
    const { api, calls } = client([{ status: 200, body: { data: [] } }, { status: 204 }]);
    await api.get('/v1/deliveries', { params: { query: { status: 'failed', endpoint: undefined, event_id: 'click:a b', limit: 25, since: '' } } });
    expect(calls[0]!.url).toBe('https://api.example.com/v1/deliveries?status=failed&event_id=click%3Aa+b&limit=25');
    expect(await api.delete('/v1/endpoints/{id}', { params: { path: { id: 'ep_1' } } })).toBeUndefined();
    expect(calls[1]!.url).toBe('https://api.example.com/v1/endpoints/ep_1');
    expect(calls[1]!.init.method).toBe('DELETE');
  });

  it("turns error answers into ApiRequestError with the API's code, message and field details", async () => {
    const { api, problems } = client([
      { status: 400, body: { error: { code: 'invalid_url', message: 'The endpoint URL is not allowed', details: [{ location: 'body', field: 'url', message: 'loopback addresses are not allowed' }] } } },
      { status: 502, body: 'not json' },
    ]);
    const refused = await error(api.post('/v1/endpoints', { body: {} as CreateEndpointRequest }));
    expect(refused).toMatchObject({ status: 400, code: 'invalid_url', message: 'The endpoint URL is not allowed' });
    expect(refused.detailFor('url')).toBe('loopback addresses are not allowed');
    expect(refused.detailFor('events')).toBeUndefined();
    expect(await error(api.get('/v1/endpoints'))).toMatchObject({ status: 502, code: 'http_502' });
    expect(problems).toEqual([]);
  });

  it('gathers the details about a field and anything inside it', () => {
    const refused = new ApiRequestError(400, 'validation_failed', 'The request is not valid', [
      { field: 'headers.X-GeoRedir-Foo', message: "X-GeoRedir-Foo X-GeoRedir-* and webhook-* headers are the service's own" },
      { field: 'headers', message: 'at most 10 headers' },
      { field: 'headersExtra', message: 'unknown field' },
      { field: 'redact[1]', message: 'must be a field the event catalogue documents' },
    ]);
    expect(refused.detailsUnder('headers')).toBe("X-GeoRedir-Foo X-GeoRedir-* and webhook-* headers are the service's own; at most 10 headers");
    expect(refused.detailsUnder('redact')).toBe('must be a field the event catalogue documents');
    expect(refused.detailsUnder('filter')).toBeUndefined();
  });

  it('reports an expired link and a refused one, once', async () => {
    const expired = client([
      { status: 401, body: { error: { code: 'portal_link_expired', message: 'The portal link has expired' } } },
      { status: 401, body: { error: { code: 'portal_link_expired', message: 'The portal link has expired' } } },
    ]);
    await error(expired.api.get('/v1/endpoints'));
    await error(expired.api.get('/v1/event-types'));
    expect(expired.problems).toEqual(['expired']);
    const invalid = client([{ status: 401, body: { error: { code: 'unauthorized', message: 'The API key is not valid' } } }]);
    await error(invalid.api.get('/v1/endpoints'));
    expect(invalid.problems).toEqual(['invalid']);
  });

  it('says so when the service cannot be reached', async () => {
    const { api } = client([new TypeError('Failed to fetch')]);
    expect(await error(api.get('/v1/endpoints'))).toMatchObject({ status: 0, code: 'network_error' });
  });
});

test('calls are typed by the API document: a path, parameter, body or field it lacks does not compile', () => {
  const { api } = client([]);
  // Never run: the type check is the test.
  const unchecked = async () => {
    // @ts-expect-error: no such path
    await api.get('/v1/endpoint');
    // @ts-expect-error: the endpoint's id is required
    await api.get('/v1/endpoints/{id}');
    // @ts-expect-error: no such field in an update
    await api.patch('/v1/endpoints/{id}', { params: { path: { id: 'ep_1' } }, body: { adress: 'https://hooks.example.com' } });
    // @ts-expect-error: not a delivery status
    await api.get('/v1/deliveries', { params: { query: { status: 'lost' } } });
    const endpoint = await api.get('/v1/endpoints/{id}', { params: { path: { id: 'ep_1' } } });
    // @ts-expect-error: not a field of the answer
    return endpoint.adress;
  };
  expect(typeof unchecked).toBe('function');
});

test('withQuery keeps a path without parameters as it is', () => {
  expect(withQuery('/v1/endpoints', {})).toBe('/v1/endpoints');
});
