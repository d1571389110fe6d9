// Portal tokens and admin keys through the real API (handler.ts -> createApi) on DynamoDB Local:
// an admin key mints a link, its token works on that account's routes only, an expired one gets
// its own code, forged or edited ones and the wrong kind of credential get 401, and nothing of
// the token is ever stored.
import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createAdminKey, revokeAdminKey } from '../../../cli/admin';
import { authenticateAccount } from '../../../lambdas/api/auth';
import { ApiError } from '../../../lambdas/api/errors';
import { signPortalToken } from '../../../lambdas/api/portal-tokens';
import { type Harness, startHarness } from './harness';

let h: Harness;
let adminKey: string;
let accountA: { accountId: string; apiKey: string };
let accountB: { accountId: string; apiKey: string };
let endpointOfA: string;
let endpointOfB: string;

beforeAll(async () => {
  h = await startHarness();
  adminKey = (await createAdminKey(h.store, { name: 'tests' })).adminKey;
  accountA = await h.newAccount();
  accountB = await h.newAccount();
  endpointOfA = (await h.request('POST', '/v1/endpoints', { apiKey: accountA.apiKey, body: { url: 'http://127.0.0.1:9/a', events: ['click'] } })).json.id;
  endpointOfB = (await h.request('POST', '/v1/endpoints', { apiKey: accountB.apiKey, body: { url: 'http://127.0.0.1:9/b', events: ['click'] } })).json.id;
});
afterAll(() => h.close());

const mint = (body: unknown, key: string | null = adminKey) =>
  h.request('POST', '/v1/admin/portal-links', { ...(key === null ? {} : { apiKey: key }), body });
const tokenOf = (url: string) => new URL(url).hash.replace(/^#token=/, '');

describe('POST /v1/admin/portal-links', () => {
  it('answers 201 with <API base>/portal#token=grp_... and expiresAt, 60 minutes by default', async () => {
    const before = Date.now();
    const answer = await mint({ accountId: accountA.accountId });
    expect(answer.status).toBe(201);
    expect(Object.keys(answer.json).sort()).toEqual(['expiresAt', 'url']);
    expect(answer.json.url).toMatch(new RegExp(`^${h.url}/portal#token=grp_[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    const expiresAt = Date.parse(answer.json.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3_600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect((await mint({ accountId: accountA.accountId, ttlMinutes: 5 })).json.expiresAt).toEqual(expect.any(String));
  });

  it('answers 404 for an unknown account and 400 for a bad body, minting nothing', async () => {
    const unknown = await mint({ accountId: 'acct_doesnotexist' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toEqual({ code: 'not_found', message: 'Account not found' });
    for (const body of [{}, { accountId: accountA.accountId, ttlMinutes: 0 }, { accountId: accountA.accountId, ttlMinutes: 1441 }, { accountId: accountA.accountId, ttlMinutes: 1.5 }, { accountId: accountA.accountId, extra: 1 }, { accountId: 'a b' }]) {
      const answer = await mint(body);
      expect({ body, status: answer.status, code: answer.json.error.code }).toEqual({ body, status: 400, code: 'validation_failed' });
      expect(answer.text).not.toContain('grp_');
    }
  });

  it('takes only an admin key: not an API key, a portal token, a revoked admin key or nothing', async () => {
    const token = tokenOf((await mint({ accountId: accountA.accountId })).json.url);
    const revoked = await createAdminKey(h.store);
    await revokeAdminKey(h.store, revoked.keyPrefix);
    for (const key of [accountA.apiKey, token, revoked.adminKey, `gra_${'x'.repeat(43)}`, null]) {
      const answer = await mint({ accountId: accountA.accountId }, key);
      expect({ key, status: answer.status, code: answer.json.error.code }).toEqual({ key, status: 401, code: 'unauthorized' });
    }
  });

  it('is never answered to an admin key on account routes', async () => {
    const answer = await h.request('GET', '/v1/endpoints', { apiKey: adminKey });
    expect(answer.status).toBe(401);
  });
});

describe('a portal token on account routes', () => {
  let tokenOfA: string;
  beforeAll(async () => {
    tokenOfA = tokenOf((await mint({ accountId: accountA.accountId })).json.url);
  });

  it("works like the account's API key, on its own data only", async () => {
    const listed = await h.request('GET', '/v1/endpoints', { apiKey: tokenOfA });
    expect(listed.status).toBe(200);
    expect(listed.json.data.map((endpoint: { id: string }) => endpoint.id)).toEqual([endpointOfA]);
    expect((await h.request('GET', `/v1/endpoints/${endpointOfA}/secret`, { apiKey: tokenOfA })).status).toBe(200);
    const created = await h.request('POST', '/v1/endpoints', { apiKey: tokenOfA, body: { url: 'http://127.0.0.1:9/portal', events: ['*'] }, headers: { 'idempotency-key': 'portal-1' } });
    expect(created.status).toBe(201);
    const again = await h.request('POST', '/v1/endpoints', { apiKey: tokenOfA, body: { url: 'http://127.0.0.1:9/portal', events: ['*'] }, headers: { 'idempotency-key': 'portal-1' } });
    expect(again.json.id).toBe(created.json.id);
    expect((await h.request('DELETE', `/v1/endpoints/${created.json.id}`, { apiKey: tokenOfA })).status).toBe(204);
  });

  it("answers 404 for another account's ids, exactly as for ids that never existed, and changes nothing", async () => {
    const before = await h.store.endpoints.getEndpoint(accountB.accountId, endpointOfB);
    for (const [method, path, body] of [
      ['GET', `/v1/endpoints/${endpointOfB}`, undefined],
      ['GET', `/v1/endpoints/${endpointOfB}/secret`, undefined],
      ['PATCH', `/v1/endpoints/${endpointOfB}`, { description: 'taken over' }],
      ['POST', `/v1/endpoints/${endpointOfB}/rotate-secret`, undefined],
      ['DELETE', `/v1/endpoints/${endpointOfB}`, undefined],
    ] as const) {
      const answer = await h.request(method, path, { apiKey: tokenOfA, ...(body ? { body } : {}) });
      const never = await h.request(method, path.replace(endpointOfB, 'ep_0000000000000000000000zzzz'), { apiKey: tokenOfA, ...(body ? { body } : {}) });
      expect({ path, method, status: answer.status, body: answer.json }).toEqual({ path, method, status: 404, body: never.json });
    }
    expect(await h.store.endpoints.getEndpoint(accountB.accountId, endpointOfB)).toEqual(before);
  });

  it('answers 401 portal_link_expired once it has run out', async () => {
    const expired = signPortalToken(await h.store.portalKey.get(), { accountId: accountA.accountId, expiresAt: new Date(Date.now() - 1000) });
    const answer = await h.request('GET', '/v1/endpoints', { apiKey: expired });
    expect(answer.status).toBe(401);
    expect(answer.json.error).toEqual({ code: 'portal_link_expired', message: 'The portal link has expired; ask for a new one' });
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers 401 unauthorized to forged, edited and foreign-account tokens', async () => {
    const [payload = '', signature = ''] = tokenOfA.slice(4).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = [
      signPortalToken(randomBytes(32), { accountId: accountA.accountId, expiresAt: new Date(Date.now() + 3_600_000) }),
      `grp_${Buffer.from(JSON.stringify({ ...claims, a: accountB.accountId })).toString('base64url')}.${signature}`,
      `grp_${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString('base64url')}.${signature}`,
      `grp_${Buffer.from(JSON.stringify({ ...claims, exp: 1 })).toString('base64url')}.${signature}`,
      `${tokenOfA.slice(0, -2)}AA`,
      'grp_',
      // Signed by this deployment, for an account that does not exist.
      signPortalToken(await h.store.portalKey.get(), { accountId: 'acct_gone', expiresAt: new Date(Date.now() + 3_600_000) }),
    ];
    for (const token of forged) {
      const answer = await h.request('GET', '/v1/endpoints', { apiKey: token });
      expect({ token, status: answer.status, error: answer.json.error }).toEqual({ token, status: 401, error: { code: 'unauthorized', message: 'The portal link is not valid' } });
    }
  });

  it('is refused by routes that take an API key only', async () => {
    const call = (token: string) => authenticateAccount(h.store, `Bearer ${token}`, { allowPortal: false, now: new Date() });
    await expect(call(tokenOfA)).rejects.toThrow(ApiError);
    await expect(call(tokenOfA)).rejects.toMatchObject({ statusCode: 401 });
    await expect(call(accountA.apiKey)).resolves.toMatchObject({ kind: 'apiKey', account: { accountId: accountA.accountId } });
    await expect(authenticateAccount(h.store, `Bearer ${tokenOfA}`, { allowPortal: true, now: new Date() })).resolves.toMatchObject({
      kind: 'portal',
      account: { accountId: accountA.accountId },
      expiresAt: expect.any(String),
    });
  });

  it('is stored nowhere: only the signing key and the admin keys hash are in the table', async () => {
    const { Items = [] } = await h.store.table.documents.send(new ScanCommand({ TableName: h.table.tableName }));
    const dump = JSON.stringify(Items);
    const [payload = '', signature = ''] = tokenOfA.slice(4).split('.');
    expect(dump).not.toContain(payload);
    expect(dump).not.toContain(signature);
    expect(dump).not.toContain(adminKey);
    const portalKey = Items.find((item) => item.pk === 'CONFIG' && item.sk === 'PORTALKEY');
    expect(Object.keys(portalKey ?? {}).sort()).toEqual(['key', 'pk', 'sk']);
    expect(portalKey?.key).toHaveLength(32);
  });
});

it('names the base URL the request used as the OpenAPI document\'s server', async () => {
  const document = (await h.request('GET', '/v1/openapi.json')).json;
  expect(document.servers).toEqual([{ url: h.url, description: expect.any(String) }]);
  expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['adminKey', 'apiKey', 'portalToken']);
  expect(document.paths['/v1/admin/portal-links'].post.security).toEqual([{ adminKey: [] }]);
  expect(document.paths['/v1/endpoints'].get.security).toEqual([{ apiKey: [] }, { portalToken: [] }]);
});
