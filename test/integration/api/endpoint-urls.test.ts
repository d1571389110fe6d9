// Endpoint URLs over HTTP (private targets not allowed, DNS answers of our choosing): what is
// stored and answered is the WHATWG-normalised form the sender calls; control characters,
// fragments and non-HTTP ports are refused with a 400 that says why.
import { createHttpSender } from '../../../lambdas/adapters/http-sender';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import { createManagementApi } from '../../../lambdas/api/app';
import { type Harness, startHarness } from './harness';
import { testApiDependencies } from '../../support/api-dependencies';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    app: ({ table, sealer }) =>
      createManagementApi(testApiDependencies({
        config: { testSendTimeoutMs: 2000, testSendsPerMinute: 10 },
        store: new ManagementStore(table.client, table.tableName, 1, sealer),
        sender: createHttpSender({ allowPrivate: false, timeoutMs: 2000 }),
        retries: { sendNow: async (messages) => messages.map((message) => message.deliveryId), cancel: async () => undefined },
        userAgent: 'GeoRedir-Webhooks/test',
        lookup: async (hostname) => {
          if (hostname === 'hooks.example.com' || hostname === 'xn--bcher-kva.example') return [{ address: '93.184.216.34', family: 4 }];
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        },
      })),
  });
});
afterAll(() => h.close());

describe('stored as normalised', () => {
  it.each([
    ['HTTPS://Hooks.Example.COM:443/a/./b/../c?q=1', 'https://hooks.example.com/a/c?q=1'],
    ['https://hooks.example.com', 'https://hooks.example.com/'],
    ['https://hooks.example.com:8443/a b', 'https://hooks.example.com:8443/a%20b'],
    ['https://bücher.example/hook', 'https://xn--bcher-kva.example/hook'],
  ])('POST %s stores and answers %s', async (url, stored) => {
    const { apiKey } = await h.newAccount();
    const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url, events: ['click'] } });
    expect(created.status).toBe(201);
    expect(created.json.url).toBe(stored);
    expect((await h.request('GET', `/v1/endpoints/${created.json.id}`, { apiKey })).json.url).toBe(stored);
    expect((await h.request('GET', '/v1/endpoints', { apiKey })).json.data.map((e: { url: string }) => e.url)).toEqual([stored]);
  });

  it('PATCH stores the normalised URL too', async () => {
    const { apiKey } = await h.newAccount();
    const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'https://hooks.example.com/a', events: ['click'] } });
    const changed = await h.request('PATCH', `/v1/endpoints/${created.json.id}`, { apiKey, body: { url: 'https://HOOKS.example.com:443/b/../c' } });
    expect(changed.status).toBe(200);
    expect(changed.json.url).toBe('https://hooks.example.com/c');
    expect((await h.request('GET', `/v1/endpoints/${created.json.id}`, { apiKey })).json.url).toBe('https://hooks.example.com/c');
  });
});

describe('refused with a 400 that says why', () => {
  const CONTROL = 'URL must not contain control characters (tabs, line breaks, ...)';
  it.each([
    ['https://hooks.example.com/a\tb', CONTROL],
    ['https://hooks.example.com/\nX-Injected: 1', CONTROL],
    ['\u0000https://hooks.example.com/', CONTROL],
    ['https://hooks.example.com/\u007f', CONTROL],
    ['https://hooks.example.com/a#section', 'URL must not contain a fragment (#...)'],
    ['https://hooks.example.com:0/', 'port 0 is not allowed'],
    ['https://hooks.example.com:22/', 'port 22 is not allowed: use 443, 80 or a port from 1024 to 65535'],
    ['https://hooks.example.com:25/', 'port 25 is not allowed: use 443, 80 or a port from 1024 to 65535'],
    ['https://hooks.example.com:6667/', 'port 6667 is not allowed: it belongs to a protocol other than HTTP'],
  ])('POST %j', async (url, reason) => {
    const { apiKey } = await h.newAccount();
    const answer = await h.request('POST', '/v1/endpoints', { apiKey, body: { url, events: ['click'] } });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toEqual({ code: 'invalid_url', message: 'The endpoint URL is not allowed', details: [{ location: 'body', field: 'url', message: reason }] });
    expect((await h.request('GET', '/v1/endpoints', { apiKey })).json.data).toEqual([]);
  });

  it('PATCH refuses the same way and keeps the old URL', async () => {
    const { apiKey } = await h.newAccount();
    const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'https://hooks.example.com/a', events: ['click'] } });
    for (const url of ['https://hooks.example.com/\r\nb', 'https://hooks.example.com:53/']) {
      const changed = await h.request('PATCH', `/v1/endpoints/${created.json.id}`, { apiKey, body: { url } });
      expect(changed.status).toBe(400);
      expect(changed.json.error.code).toBe('invalid_url');
    }
    expect((await h.request('GET', `/v1/endpoints/${created.json.id}`, { apiKey })).json.url).toBe('https://hooks.example.com/a');
  });
});
