// Endpoints over HTTP: auth, validation, quota and plan, CRUD, rate limit, enable, secrets, idempotency.
import { revokeKey } from '../../../cli/admin';
import { type Harness, startHarness } from './harness';

let h: Harness;
let apiKey: string;
let accountId: string;

beforeAll(async () => {
  h = await startHarness();
  ({ apiKey, accountId } = await h.newAccount({ maxEndpoints: 50 }));
});
afterAll(() => h.close());

const validEndpoint = { url: 'https://hooks.example.test/georedir', events: ['click', 'conversion'] };

/** Creation resolves the URL's host; the local run allows private targets, so 127.0.0.1 needs no DNS. */
async function createEndpoint(key = apiKey, body: Record<string, unknown> = { url: 'http://127.0.0.1:9/hook', events: ['click'] }) {
  const answer = await h.request('POST', '/v1/endpoints', { apiKey: key, body });
  expect(answer.status).toBe(201);
  return answer.json as { id: string; secret: string };
}

describe('authentication', () => {
  it('answers 401 with WWW-Authenticate for a missing, malformed, unknown or revoked key', async () => {
    const revoked = await h.newAccount();
    await revokeKey(h.store, revoked.keyPrefix);
    const attempts: Record<string, string | undefined> = {
      missing: undefined,
      basic: `Basic ${Buffer.from('user:pass').toString('base64')}`,
      malformed: 'Bearer not-a-key',
      unknown: `Bearer grw_${'A'.repeat(43)}`,
      revoked: `Bearer ${revoked.apiKey}`,
    };
    for (const [name, authorization] of Object.entries(attempts)) {
      const answer = await h.request('GET', '/v1/endpoints', { headers: authorization ? { authorization } : {} });
      expect({ name, status: answer.status, code: answer.json.error.code }).toEqual({ name, status: 401, code: 'unauthorized' });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('accepts the scheme in any case', async () => {
    const answer = await h.request('GET', '/v1/endpoints', { headers: { authorization: `bearer ${apiKey}` } });
    expect(answer.status).toBe(200);
  });

  it('serves health, the event catalogue and the OpenAPI document without a key', async () => {
    expect((await h.request('GET', '/health')).json).toEqual({ status: 'ok' });
    const catalogue = await h.request('GET', '/v1/event-types');
    expect(catalogue.status).toBe(200);
    expect(catalogue.json.data.map((entry: { name: string }) => entry.name)).toEqual([
      'click',
      'conversion',
      'link.created',
      'link.updated',
      'link.deleted',
      'alert.triggered',
    ]);
    expect((await h.request('GET', '/v1/openapi.json')).json.openapi).toBe('3.1.0');
  });
});

describe('routing errors', () => {
  it('answers 404 for an unknown /v1 path and 405 with Allow for a known path with another method', async () => {
    const unknown = await h.request('GET', '/v1/nothing-here', { apiKey });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    const wrongMethod = await h.request('PUT', '/v1/endpoints', { apiKey, body: {} });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error.code).toBe('method_not_allowed');
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });

  it('leaves paths outside the API routes to API Gateway, which answers its own 404', async () => {
    const answer = await h.request('GET', '/admin');
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ message: 'Not Found' });
  });
});

describe('creating endpoints', () => {
  it('answers 201 with the endpoint and its secret, and never shows the secret again outside /secret', async () => {
    const answer = await h.request('POST', '/v1/endpoints', {
      apiKey,
      body: { url: 'http://127.0.0.1:9/hook', events: ['click', 'conversion', 'click'], description: 'orders' },
    });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      url: 'http://127.0.0.1:9/hook',
      events: ['click', 'conversion'],
      description: 'orders',
      status: 'active',
      consecutiveFailures: 0,
    });
    expect(answer.json.id).toMatch(/^ep_[0-9a-z]{26}$/);
    expect(answer.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);

    const fetched = await h.request('GET', `/v1/endpoints/${answer.json.id}`, { apiKey });
    expect(fetched.status).toBe(200);
    expect(fetched.json).toEqual(Object.fromEntries(Object.entries(answer.json).filter(([name]) => name !== 'secret')));
    const listed = await h.request('GET', '/v1/endpoints', { apiKey });
    expect(listed.json.data.map((endpoint: { id: string }) => endpoint.id)).toContain(answer.json.id);
    expect(listed.text).not.toContain(answer.json.secret);

    const secret = await h.request('GET', `/v1/endpoints/${answer.json.id}/secret`, { apiKey });
    expect(secret.json).toEqual({ secret: answer.json.secret });
  });

  it('accepts ["*"] for every event type', async () => {
    const { id } = await createEndpoint(apiKey, { url: 'http://127.0.0.1:9/all', events: ['*'] });
    expect((await h.request('GET', `/v1/endpoints/${id}`, { apiKey })).json.events).toEqual(['*']);
  });

  it.each([
    ['url and events missing', {}, [{ location: 'body', field: 'url', message: 'required (expected string)' }, { location: 'body', field: 'events', message: 'required (expected array)' }]],
    ['an unknown event type', { ...validEndpoint, events: ['click', 'purchase'] }, [{ location: 'body', field: 'events[1]' }]],
    ['"*" with others', { ...validEndpoint, events: ['*', 'click'] }, [{ location: 'body', field: 'events' }]],
    ['no events', { ...validEndpoint, events: [] }, [{ location: 'body', field: 'events' }]],
    ['a description over 500 characters', { ...validEndpoint, description: 'x'.repeat(501) }, [{ location: 'body', field: 'description' }]],
    ['an unknown field', { ...validEndpoint, secret: 'mine' }, [{ location: 'body', field: 'secret', message: 'unknown field' }]],
    ['a URL that is not a string', { ...validEndpoint, url: 42 }, [{ location: 'body', field: 'url' }]],
  ])('answers 400 with field details for %s', async (_name, body, details) => {
    const answer = await h.request('POST', '/v1/endpoints', { apiKey, body });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('validation_failed');
    expect(answer.json.error.details).toEqual(details.map((detail) => expect.objectContaining(detail)));
  });

  it.each([
    ['ftp://files.example.test/x', 'URL must start with https:// or http://'],
    ['https://user:pass@hooks.example.test/', 'URL must not contain a user name or password'],
    ['not a url', 'not a valid absolute URL'],
  ])('refuses %s by the URL policy', async (url, reason) => {
    const answer = await h.request('POST', '/v1/endpoints', { apiKey, body: { ...validEndpoint, url } });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toEqual({ code: 'invalid_url', message: 'The endpoint URL is not allowed', details: [{ location: 'body', field: 'url', message: reason }] });
  });

  it('answers 400 for a body that is not JSON and for none at all', async () => {
    const broken = await h.request('POST', '/v1/endpoints', { apiKey, rawBody: '{"url":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe('invalid_json');
    const empty = await h.request('POST', '/v1/endpoints', { apiKey });
    expect(empty.status).toBe(400);
    expect(empty.json.error.code).toBe('invalid_json');
  });

  it('answers 413 for a body over 16 KiB', async () => {
    const answer = await h.request('POST', '/v1/endpoints', { apiKey, body: { ...validEndpoint, description: 'x'.repeat(17 * 1024) } });
    expect(answer.status).toBe(413);
    expect(answer.json.error.code).toBe('payload_too_large');
  });
});

describe("the plan's limits", () => {
  it('answers 403 endpoint_quota_exceeded at the quota, and frees the slot on delete', async () => {
    const small = await h.newAccount({ maxEndpoints: 2 });
    const first = await createEndpoint(small.apiKey);
    await createEndpoint(small.apiKey);
    const third = await h.request('POST', '/v1/endpoints', { apiKey: small.apiKey, body: { url: 'http://127.0.0.1:9/3', events: ['click'] } });
    expect(third.status).toBe(403);
    expect(third.json.error).toEqual({ code: 'endpoint_quota_exceeded', message: 'Your plan allows 2 endpoints; delete one or upgrade to add more' });

    expect((await h.request('DELETE', `/v1/endpoints/${first.id}`, { apiKey: small.apiKey })).status).toBe(204);
    await createEndpoint(small.apiKey);
    expect((await h.store.accounts.getAccount(small.accountId))?.endpointCount).toBe(2);
  });

  it('holds the quota under concurrent creates', async () => {
    const small = await h.newAccount({ maxEndpoints: 3 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        h.request('POST', '/v1/endpoints', { apiKey: small.apiKey, body: { url: `http://127.0.0.1:9/${index}`, events: ['click'] } }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(3);
    expect(answers.filter((answer) => answer.status === 403)).toHaveLength(5);
    expect((await h.request('GET', '/v1/endpoints', { apiKey: small.apiKey })).json.data).toHaveLength(3);
  });

  it('refuses new endpoints when the plan has no webhooks, but still lists', async () => {
    const free = await h.newAccount({ webhooksEnabled: false });
    const answer = await h.request('POST', '/v1/endpoints', { apiKey: free.apiKey, body: validEndpoint });
    expect(answer.status).toBe(403);
    expect(answer.json.error.code).toBe('webhooks_not_enabled');
    expect((await h.request('GET', '/v1/endpoints', { apiKey: free.apiKey })).json).toEqual({ data: [] });
  });
});

describe('changing endpoints', () => {
  it('updates url, events and description, and removes the description with null', async () => {
    const { id } = await createEndpoint(apiKey, { url: 'http://127.0.0.1:9/a', events: ['click'], description: 'before' });
    const changed = await h.request('PATCH', `/v1/endpoints/${id}`, {
      apiKey,
      body: { url: 'http://127.0.0.1:9/b', events: ['link.created', 'link.deleted'] },
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ id, url: 'http://127.0.0.1:9/b', events: ['link.created', 'link.deleted'], description: 'before' });
    const cleared = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { description: null } });
    expect(cleared.json).not.toHaveProperty('description');
    expect((await h.request('GET', `/v1/endpoints/${id}`, { apiKey })).json).toEqual(cleared.json);
  });

  it('answers 400 for an empty change, a bad status and a refused URL', async () => {
    const { id } = await createEndpoint();
    const empty = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.json.error.details).toEqual([{ location: 'body', field: '', message: 'name at least one field to change' }]);
    const status = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { status: 'paused' } });
    expect(status.status).toBe(400);
    expect(status.json.error.details[0]).toMatchObject({ field: 'status' });
    const url = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { url: 'gopher://x' } });
    expect(url.json.error.code).toBe('invalid_url');
  });

  it('disables by PATCH and re-enables with enable, resetting the failure counter', async () => {
    const { id } = await createEndpoint();
    for (let i = 0; i < 10; i += 1) await h.dispatcherStore.updateEndpointHealth(accountId, id, { failedDeliveries: 1, failedAt: new Date().toISOString() });
    await h.dispatcherStore.disableEndpoint(accountId, id, '10 consecutive failed deliveries', '2026-01-01T00:00:00.000Z');
    const disabled = await h.request('GET', `/v1/endpoints/${id}`, { apiKey });
    expect(disabled.json).toMatchObject({
      status: 'disabled',
      disabledReason: '10 consecutive failed deliveries',
      disabledAt: '2026-01-01T00:00:00.000Z',
      consecutiveFailures: 10,
    });
    // Disabling again keeps the original reason.
    const again = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { status: 'disabled' } });
    expect(again.json.disabledReason).toBe('10 consecutive failed deliveries');

    const enabled = await h.request('POST', `/v1/endpoints/${id}/enable`, { apiKey });
    expect(enabled.status).toBe(200);
    expect(enabled.json).toMatchObject({ id, status: 'active', consecutiveFailures: 0 });
    expect(enabled.json).not.toHaveProperty('disabledReason');
    expect(enabled.json).not.toHaveProperty('disabledAt');

    const manual = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { status: 'disabled' } });
    expect(manual.json).toMatchObject({ status: 'disabled', disabledReason: 'disabled by the account' });
    const reactivated = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { status: 'active' } });
    expect(reactivated.json.status).toBe('active');
  });

  it('deletes: 204, then 404 for everything about it', async () => {
    const { id } = await createEndpoint();
    expect((await h.request('DELETE', `/v1/endpoints/${id}`, { apiKey })).status).toBe(204);
    for (const [method, path] of [
      ['GET', `/v1/endpoints/${id}`],
      ['DELETE', `/v1/endpoints/${id}`],
      ['GET', `/v1/endpoints/${id}/secret`],
      ['POST', `/v1/endpoints/${id}/enable`],
    ] as const) {
      const answer = await h.request(method, path, { apiKey });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 404 });
    }
  });
});

describe('rate limit', () => {
  const get = async (id: string) => (await h.request('GET', `/v1/endpoints/${id}`, { apiKey })).json;

  it('is set at creation, answered by create, GET and the list, changed by PATCH and removed with null', async () => {
    const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'http://127.0.0.1:9/limited', events: ['click'], rateLimit: 20 } });
    expect(created.status).toBe(201);
    expect(created.json.rateLimit).toBe(20);
    const { id } = created.json;
    expect(await get(id)).toMatchObject({ id, rateLimit: 20 });
    const listed = (await h.request('GET', '/v1/endpoints', { apiKey })).json.data.find((endpoint: { id: string }) => endpoint.id === id);
    expect(listed.rateLimit).toBe(20);

    // A change of something else keeps the limit.
    expect((await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { description: 'limited' } })).json.rateLimit).toBe(20);
    for (const limit of [1, 10_000, 250]) {
      const changed = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { rateLimit: limit } });
      expect(changed.status).toBe(200);
      expect(changed.json).toMatchObject({ id, rateLimit: limit, description: 'limited' });
      expect((await get(id)).rateLimit).toBe(limit);
    }
    const removed = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { rateLimit: null } });
    expect(removed.status).toBe(200);
    expect(removed.json).not.toHaveProperty('rateLimit');
    expect(await get(id)).toEqual(removed.json);
    const item = await h.store.endpoints.getEndpoint(accountId, id);
    expect(item).not.toHaveProperty('rateLimit');
  });

  it('is absent without one, and null at creation means none', async () => {
    const plain = await createEndpoint();
    expect(plain).not.toHaveProperty('rateLimit');
    expect(await get(plain.id)).not.toHaveProperty('rateLimit');
    const nulled = await createEndpoint(apiKey, { url: 'http://127.0.0.1:9/null', events: ['click'], rateLimit: null });
    expect(nulled).not.toHaveProperty('rateLimit');
    expect(await h.store.endpoints.getEndpoint(accountId, nulled.id)).not.toHaveProperty('rateLimit');
  });

  const badLimits: [string, unknown, string][] = [
    ['0', 0, 'must be at least 1; null for no limit'],
    ['a negative number', -5, 'must be at least 1; null for no limit'],
    ['a fraction', 2.5, 'must be a whole number of deliveries per second'],
    ['a string', '20', 'must be a whole number of deliveries per second'],
    ['a boolean', true, 'must be a whole number of deliveries per second'],
    ['over 10,000', 10_001, 'must be at most 10000'],
  ];

  it.each(badLimits)('answers 400 naming rateLimit for %s at creation, and creates nothing', async (_name, rateLimit, message) => {
    const before = (await h.store.accounts.getAccount(accountId))?.endpointCount;
    const answer = await h.request('POST', '/v1/endpoints', { apiKey, body: { ...validEndpoint, rateLimit } });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toEqual({
      code: 'validation_failed',
      message: 'The request is not valid',
      details: [{ location: 'body', field: 'rateLimit', message }],
    });
    expect((await h.store.accounts.getAccount(accountId))?.endpointCount).toBe(before);
  });

  it.each(badLimits)('answers 400 naming rateLimit for %s in a PATCH, and changes nothing', async (_name, rateLimit, message) => {
    const { id } = await createEndpoint(apiKey, { url: 'http://127.0.0.1:9/kept', events: ['click'], rateLimit: 7 });
    const before = await get(id);
    const answer = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { rateLimit, description: 'not applied' } });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('validation_failed');
    expect(answer.json.error.details).toEqual([{ location: 'body', field: 'rateLimit', message }]);
    expect(await get(id)).toEqual(before);
  });
});

describe('secret rotation', () => {
  it('issues a new secret and reports how long the old one keeps signing', async () => {
    const { id, secret } = await createEndpoint();
    const before = Date.now();
    const rotated = await h.request('POST', `/v1/endpoints/${id}/rotate-secret`, { apiKey });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(secret);
    const graceMs = Date.parse(rotated.json.previousSecretExpiresAt) - before;
    expect(graceMs).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(graceMs).toBeLessThan(24 * 3600_000 + 60_000);
    expect((await h.request('GET', `/v1/endpoints/${id}/secret`, { apiKey })).json).toEqual(rotated.json);
    const stored = await h.store.endpoints.getEndpoint(accountId, id);
    expect(stored?.previousSecret).toEqual({ secret, expiresAt: rotated.json.previousSecretExpiresAt });
  });
});

describe('Idempotency-Key', () => {
  it('answers a repeated POST with the first answer and creates once', async () => {
    const account = await h.newAccount();
    const body = { url: 'http://127.0.0.1:9/idem', events: ['click'] };
    const headers = { 'idempotency-key': 'create-1' };
    const first = await h.request('POST', '/v1/endpoints', { apiKey: account.apiKey, body, headers });
    const second = await h.request('POST', '/v1/endpoints', { apiKey: account.apiKey, body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect((await h.request('GET', '/v1/endpoints', { apiKey: account.apiKey })).json.data).toHaveLength(1);

    const other = await h.request('POST', '/v1/endpoints', { apiKey: account.apiKey, body: { ...body, events: ['conversion'] }, headers });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('idempotency_key_reused');
  });

  it('keeps keys apart per account', async () => {
    const a = await h.newAccount();
    const b = await h.newAccount();
    const body = { url: 'http://127.0.0.1:9/same', events: ['click'] };
    const headers = { 'idempotency-key': 'shared-key' };
    const fromA = await h.request('POST', '/v1/endpoints', { apiKey: a.apiKey, body, headers });
    const fromB = await h.request('POST', '/v1/endpoints', { apiKey: b.apiKey, body, headers });
    expect(fromB.status).toBe(201);
    expect(fromB.json.id).not.toBe(fromA.json.id);
    expect(fromB.headers.get('idempotent-replayed')).toBeNull();
  });

  it('does not keep an error, so the same key works once the cause is fixed', async () => {
    const account = await h.newAccount({ maxEndpoints: 1 });
    const existing = await createEndpoint(account.apiKey);
    const headers = { 'idempotency-key': 'after-quota' };
    const body = { url: 'http://127.0.0.1:9/next', events: ['click'] };
    expect((await h.request('POST', '/v1/endpoints', { apiKey: account.apiKey, body, headers })).status).toBe(403);
    await h.request('DELETE', `/v1/endpoints/${existing.id}`, { apiKey: account.apiKey });
    const retried = await h.request('POST', '/v1/endpoints', { apiKey: account.apiKey, body, headers });
    expect(retried.status).toBe(201);
  });

  it('replays a rotation instead of rotating twice', async () => {
    const { id } = await createEndpoint();
    const headers = { 'idempotency-key': `rotate-${id}` };
    const first = await h.request('POST', `/v1/endpoints/${id}/rotate-secret`, { apiKey, headers });
    const second = await h.request('POST', `/v1/endpoints/${id}/rotate-secret`, { apiKey, headers });
    expect(second.json).toEqual(first.json);
    expect((await h.request('GET', `/v1/endpoints/${id}/secret`, { apiKey })).json.secret).toBe(first.json.secret);
  });

  it('answers 400 for a key that is too long or not visible ASCII', async () => {
    for (const key of ['k'.repeat(256), 'with space']) {
      const answer = await h.request('POST', '/v1/endpoints', { apiKey, body: validEndpoint, headers: { 'idempotency-key': key } });
      expect(answer.status).toBe(400);
      expect(answer.json.error.code).toBe('invalid_idempotency_key');
    }
  });
});
