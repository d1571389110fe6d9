// The app built with injected parts, for what the deployed wiring cannot show in a test: the URL
// policy with DNS answers of our choosing (private targets not allowed), and a dispatch queue
// that fails.
import { createHttpSender } from '../../../lambdas/adapters/http-sender';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import { createManagementApi } from '../../../lambdas/api/app';
import type { RetryScheduler } from '../../../lambdas/delivery/ports';
import type { ResolvedAddress } from '../../../lambdas/domain/url-policy';
import { type Harness, startHarness } from './harness';
import { seedDelivery } from './seed';
import { testApiDependencies } from '../../support/api-dependencies';

const DNS: Record<string, ResolvedAddress[]> = {
  'hooks.example.com': [{ address: '93.184.216.34', family: 4 }],
  'internal.example.com': [{ address: '10.0.0.5', family: 4 }],
  'split.example.com': [
    { address: '93.184.216.34', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  'v6.example.com': [{ address: 'fd00::1', family: 6 }],
};

let h: Harness;
let queueMode: 'throw' | 'refuse' = 'throw';
const errors: unknown[] = [];

beforeAll(async () => {
  h = await startHarness({
    app: ({ table, sealer }) => {
      const retries: Pick<RetryScheduler, 'sendNow' | 'cancel'> = {
        sendNow: async (messages) => {
          if (queueMode === 'throw') throw new Error('connect ECONNREFUSED sqs.internal.example:443 at SendMessageBatch');
          return messages.map((message) => message.deliveryId);
        },
        cancel: async () => undefined,
      };
      return createManagementApi(testApiDependencies({
        config: { retrySchedule: [60, 300], testSendTimeoutMs: 2000, testSendsPerMinute: 10 },
        store: new ManagementStore(table.client, table.tableName, 1, sealer),
        sender: createHttpSender({ allowPrivate: false, timeoutMs: 2000 }),
        retries,
        userAgent: 'GeoRedir-Webhooks/test',
        log: { info: () => undefined, warn: () => undefined, error: (_message, ...fields) => errors.push(fields) },
        lookup: async (hostname) => {
          const addresses = DNS[hostname];
          if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
          return addresses;
        },
      }));
    },
  });
});
afterAll(() => h.close());

describe('URL policy at registration (private targets not allowed)', () => {
  it('accepts an https URL whose name resolves only to public addresses', async () => {
    const { apiKey } = await h.newAccount();
    const answer = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'https://hooks.example.com/georedir', events: ['click'] } });
    expect(answer.status).toBe(201);
  });

  it.each([
    ['http://hooks.example.com/georedir', 'URL must start with https://'],
    ['https://internal.example.com/', 'host internal.example.com resolves to 10.0.0.5, which is a private network address; only public addresses are allowed'],
    ['https://split.example.com/', 'host split.example.com resolves to 127.0.0.1, which is a loopback address; only public addresses are allowed'],
    ['https://v6.example.com/', 'host v6.example.com resolves to fd00::1, which is a unique-local IPv6 address; only public addresses are allowed'],
    ['https://169.254.169.254/latest/meta-data', 'address 169.254.169.254 is a link-local address; only public addresses are allowed'],
    ['https://localhost:8443/', 'host localhost is loopback'],
    ['https://nowhere.example.com/', 'could not resolve host'],
  ])('refuses %s', async (url, reason) => {
    const { apiKey } = await h.newAccount();
    const answer = await h.request('POST', '/v1/endpoints', { apiKey, body: { url, events: ['click'] } });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toEqual({ code: 'invalid_url', message: 'The endpoint URL is not allowed', details: [{ location: 'body', field: 'url', message: reason }] });
    expect((await h.request('GET', '/v1/endpoints', { apiKey })).json.data).toEqual([]);
  });

  it('checks a changed URL the same way and leaves the endpoint as it was', async () => {
    const { apiKey } = await h.newAccount();
    const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'https://hooks.example.com/a', events: ['click'] } });
    const changed = await h.request('PATCH', `/v1/endpoints/${created.json.id}`, { apiKey, body: { url: 'https://internal.example.com/a' } });
    expect(changed.status).toBe(400);
    expect((await h.request('GET', `/v1/endpoints/${created.json.id}`, { apiKey })).json.url).toBe('https://hooks.example.com/a');
  });
});

describe('a dispatch queue that fails', () => {
  it.each(['throw', 'refuse'] as const)('answers a bare 500 when SQS %ss and puts the delivery back as it was', async (mode) => {
    queueMode = mode;
    const { apiKey, accountId } = await h.newAccount();
    const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'https://hooks.example.com/q', events: ['click'] } });
    const deliveryId = await seedDelivery(h.dispatcherStore, {
      accountId,
      endpointId: created.json.id,
      eventId: `evt-queue-${mode}`,
      outcomes: ['failed', 'failed'],
      startAt: new Date(Date.now() - 600_000),
    });
    const before = await h.store.deliveries.getDelivery(accountId, deliveryId);
    errors.length = 0;

    const answer = await h.request('POST', `/v1/deliveries/${deliveryId}/redeliver`, { apiKey });
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
    expect(answer.text).not.toMatch(/ECONNREFUSED|SendMessage|at |\.ts/);
    expect(errors).toHaveLength(1);

    const after = await h.store.deliveries.getDelivery(accountId, deliveryId);
    expect(after).toMatchObject({ status: 'failed', attemptCount: 2, reason: before?.reason });
    expect(after).not.toHaveProperty('retryScheduledFor');
  });
});
