// Portal tokens and admin keys through the real API (handler.ts -> createApi) on DynamoDB Local,
// signed with keys derived from the local KMS: an admin key mints a link, its token works on that
// account's routes only, an expired one gets its own code, forged, edited or over-long ones and the
// wrong kind of credential get 401; a read link may only GET; revoking the account's links, or the
// admin key that minted one, ends it at once; and no token or signing key is ever stored.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createAdminKey, portalLink, revokeAdminKey } from '../../../cli/admin';
import { authenticateAccount } from '../../../lambdas/api/auth';
import { ApiError } from '../../../lambdas/api/errors';
import { type PortalClaims, signPortalToken } from '../../../lambdas/api/portal-tokens';
import { localSigningKeys } from '../../support/local-signing-keys';
import { type Harness, startHarness } from './harness';
import { seedDelivery } from './seed';

let h: Harness;
let adminKey: string;
let adminKeyPrefix: string;
let accountA: { accountId: string; apiKey: string };
let accountB: { accountId: string; apiKey: string };
let endpointOfA: string;
let endpointOfB: string;

beforeAll(async () => {
  h = await startHarness();
  ({ adminKey, keyPrefix: adminKeyPrefix } = await createAdminKey(h.store, { name: 'tests' }));
  accountA = await h.newAccount();
  accountB = await h.newAccount();
  endpointOfA = (await h.request('POST', '/v1/endpoints', { apiKey: accountA.apiKey, body: { url: 'http://127.0.0.1:9/a', events: ['click'] } })).json.id;
  endpointOfB = (await h.request('POST', '/v1/endpoints', { apiKey: accountB.apiKey, body: { url: 'http://127.0.0.1:9/b', events: ['click'] } })).json.id;
});
afterAll(() => h.close());

const mint = (body: unknown, key: string | null = adminKey) =>
  h.request('POST', '/v1/admin/portal-links', { ...(key === null ? {} : { apiKey: key }), body });
const tokenOf = (url: string) => new URL(url).hash.replace(/^#token=/, '');
const HOUR = 3_600_000;
/** Claims as a minter would sign them, issued a second ago. */
const claims = (overrides: Partial<PortalClaims> = {}): PortalClaims => ({
  accountId: accountA.accountId,
  issuedAt: new Date(Math.floor(Date.now() / 1000) * 1000 - 1000),
  expiresAt: new Date(Math.floor(Date.now() / 1000) * 1000 + HOUR),
  scope: 'manage',
  mintedBy: adminKeyPrefix,
  ...overrides,
});
/** Signed with this deployment's own key: only the claims can make it fail. */
const signed = (overrides: Partial<PortalClaims> = {}) => signPortalToken(h.store.portalKeys, claims(overrides), new Date());
const getEndpoints = (token: string) => h.request('GET', '/v1/endpoints', { apiKey: token });

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
    for (const body of [
      {},
      { accountId: accountA.accountId, ttlMinutes: 0 },
      { accountId: accountA.accountId, ttlMinutes: 1441 },
      { accountId: accountA.accountId, ttlMinutes: 1.5 },
      { accountId: accountA.accountId, extra: 1 },
      { accountId: 'a b' },
      { accountId: accountA.accountId, scope: 'admin' },
    ]) {
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
    const expired = await signed({ issuedAt: new Date(Date.now() - 2 * HOUR), expiresAt: new Date(Date.now() - 1000) });
    const answer = await h.request('GET', '/v1/endpoints', { apiKey: expired });
    expect(answer.status).toBe(401);
    expect(answer.json.error).toEqual({ code: 'portal_link_expired', message: 'The portal link has expired; ask for a new one' });
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers 401 unauthorized to forged, edited and foreign-account tokens', async () => {
    const [payload = '', signature = ''] = tokenOfA.slice(4).split('.');
    const payloadClaims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const edited = (changes: Record<string, unknown>) => `grp_${Buffer.from(JSON.stringify({ ...payloadClaims, ...changes })).toString('base64url')}.${signature}`;
    const forged = [
      // Another deployment's KMS key.
      await signPortalToken(localSigningKeys().portalKeys, claims(), new Date()),
      edited({ a: accountB.accountId }),
      edited({ exp: payloadClaims.exp + 86_400 }),
      edited({ exp: 1 }),
      edited({ s: 'read' }),
      edited({ m: 'cli' }),
      edited({ k: '2026-01-01' }),
      `${tokenOfA.slice(0, -2)}AA`,
      'grp_',
      // Signed by this deployment, for an account that does not exist.
      await signed({ accountId: 'acct_gone' }),
      // Signed by this deployment, but for longer than a day, or issued in the future.
      await signed({ expiresAt: new Date(Date.now() + 25 * HOUR) }),
      await signed({ issuedAt: new Date(Date.now() + HOUR), expiresAt: new Date(Date.now() + 2 * HOUR) }),
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
      scope: 'manage',
      mintedBy: adminKeyPrefix,
    });
  });

  it('is stored nowhere, and neither is any key that signs tokens or paging cursors: only the admin key\'s hash is in the table', async () => {
    // A paged list first, so a cursor has been signed too.
    for (const eventId of ['evt-page-1', 'evt-page-2']) {
      await seedDelivery(h.dispatcherStore, { accountId: accountA.accountId, endpointId: endpointOfA, eventId, outcomes: ['succeeded'], startAt: new Date() });
    }
    const page = await h.request('GET', '/v1/deliveries?limit=1', { apiKey: tokenOfA });
    expect(page.json.nextCursor).toEqual(expect.any(String));
    expect((await h.request('GET', `/v1/deliveries?limit=1&cursor=${encodeURIComponent(page.json.nextCursor)}`, { apiKey: tokenOfA })).status).toBe(200);

    const { Items = [] } = await h.store.table.documents.send(new ScanCommand({ TableName: h.table.tableName }));
    const dump = JSON.stringify(Items);
    const [payload = '', signature = ''] = tokenOfA.slice(4).split('.');
    expect(dump).not.toContain(payload);
    expect(dump).not.toContain(signature);
    expect(dump).not.toContain(adminKey);
    // What the table held before signing moved to KMS: CONFIG / PORTALKEY and CONFIG / CURSORKEY.
    expect(Items.filter((item) => item.pk === 'CONFIG' || /PORTAL|CURSOR/.test(`${item.pk} ${item.sk}`))).toEqual([]);
    expect(Items.filter((item) => Object.values(item).some((value) => value instanceof Uint8Array && value.length === 32))).toEqual([]);
  });
});

describe('scoped and revocable links', () => {
  it('a read link answers every GET but the signing secret, and refuses any change with 403 read_only_link, changing nothing', async () => {
    const read = tokenOf((await mint({ accountId: accountA.accountId, scope: 'read' })).json.url);
    for (const path of ['/v1/endpoints', `/v1/endpoints/${endpointOfA}`, `/v1/endpoints/${endpointOfA}/deliveries`, '/v1/deliveries', '/v1/stats/hourly', '/v1/event-types']) {
      expect({ path, status: (await h.request('GET', path, { apiKey: read })).status }).toEqual({ path, status: 200 });
    }
    const before = await h.store.endpoints.getEndpoint(accountA.accountId, endpointOfA);
    for (const [method, path, body] of [
      ['PATCH', `/v1/endpoints/${endpointOfA}`, { description: 'changed by a read link' }],
      ['POST', '/v1/endpoints', { url: 'http://127.0.0.1:9/read', events: ['click'] }],
      ['DELETE', `/v1/endpoints/${endpointOfA}`, undefined],
      ['POST', `/v1/endpoints/${endpointOfA}/rotate-secret`, undefined],
      ['POST', `/v1/endpoints/${endpointOfA}/test`, {}],
      ['POST', `/v1/endpoints/${endpointOfA}/recover`, { since: new Date(Date.now() - HOUR).toISOString() }],
      ['POST', '/v1/filter-preview', { filter: { country: ['US'] }, events: ['click'] }],
      // The secret forges webhooks to the customer's receiver: reading it is managing.
      ['GET', `/v1/endpoints/${endpointOfA}/secret`, undefined],
    ] as const) {
      const answer = await h.request(method, path, { apiKey: read, ...(body ? { body } : {}) });
      expect({ method, path, status: answer.status, code: answer.json.error.code }).toEqual({ method, path, status: 403, code: 'read_only_link' });
    }
    expect(await h.store.endpoints.getEndpoint(accountA.accountId, endpointOfA)).toEqual(before);
    // A manage link (the default) may change things.
    const manage = tokenOf((await mint({ accountId: accountA.accountId, scope: 'manage' })).json.url);
    expect((await h.request('PATCH', `/v1/endpoints/${endpointOfA}`, { apiKey: manage, body: { description: 'by a manage link' } })).status).toBe(200);
  });

  it('revoking an account\'s links ends every link it had, read or manage, whoever minted it; the other account\'s and new links work', async () => {
    const account = await h.newAccount();
    const other = await h.newAccount();
    const before = [
      tokenOf((await mint({ accountId: account.accountId })).json.url),
      tokenOf((await mint({ accountId: account.accountId, scope: 'read' })).json.url),
      tokenOf((await portalLink(h.store, { accountId: account.accountId, apiUrl: h.url })).url),
    ];
    const othersLink = tokenOf((await mint({ accountId: other.accountId })).json.url);
    for (const token of [...before, othersLink]) expect((await getEndpoints(token)).status).toBe(200);

    const revoked = await h.request('POST', `/v1/admin/accounts/${account.accountId}/revoke-portal-links`, { apiKey: adminKey });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toEqual({ accountId: account.accountId, portalLinksValidAfter: expect.any(String) });
    for (const token of before) {
      const answer = await getEndpoints(token);
      expect({ status: answer.status, error: answer.json.error }).toEqual({
        status: 401,
        error: { code: 'portal_link_revoked', message: 'The portal link has been revoked; ask for a new one' },
      });
    }
    expect((await getEndpoints(othersLink)).status).toBe(200);
    // Minted right after, even within the revocation's second: it works.
    expect((await getEndpoints(tokenOf((await mint({ accountId: account.accountId })).json.url))).status).toBe(200);
    expect((await getEndpoints(tokenOf((await portalLink(h.store, { accountId: account.accountId, apiUrl: h.url })).url))).status).toBe(200);
    // The API key is not a portal link: untouched.
    expect((await getEndpoints(account.apiKey)).status).toBe(200);
  });

  it('the revoke route takes an admin key only and answers 404 for an unknown account', async () => {
    const path = `/v1/admin/accounts/${accountB.accountId}/revoke-portal-links`;
    const tokenOfB = tokenOf((await mint({ accountId: accountB.accountId })).json.url);
    for (const key of [accountB.apiKey, tokenOfB, null]) {
      const answer = await h.request('POST', path, key === null ? {} : { apiKey: key });
      expect({ key, status: answer.status }).toEqual({ key, status: 401 });
    }
    expect((await getEndpoints(tokenOfB)).status).toBe(200);
    const unknown = await h.request('POST', '/v1/admin/accounts/acct_doesnotexist/revoke-portal-links', { apiKey: adminKey });
    expect({ status: unknown.status, code: unknown.json.error.code }).toEqual({ status: 404, code: 'not_found' });
  });

  it('a link whose minting admin key is revoked answers 401 at once; links of other minters keep working', async () => {
    const minter = await createAdminKey(h.store, { name: 'revoked later' });
    const byMinter = tokenOf((await mint({ accountId: accountA.accountId }, minter.adminKey)).json.url);
    const byOtherKey = tokenOf((await mint({ accountId: accountA.accountId })).json.url);
    const byCli = tokenOf((await portalLink(h.store, { accountId: accountA.accountId, apiUrl: h.url })).url);
    expect((await getEndpoints(byMinter)).status).toBe(200);
    await revokeAdminKey(h.store, minter.keyPrefix);
    const answer = await getEndpoints(byMinter);
    expect({ status: answer.status, code: answer.json.error.code }).toEqual({ status: 401, code: 'portal_link_revoked' });
    expect((await getEndpoints(byOtherKey)).status).toBe(200);
    expect((await getEndpoints(byCli)).status).toBe(200);
    // A minter that never existed: signed by this deployment, but nobody's key.
    const nobody = await getEndpoints(await signed({ mintedBy: 'gra_Nobody00' }));
    expect(nobody.status).toBe(401);
  });
});

it('names the base URL the request used as the OpenAPI document\'s server', async () => {
  const document = (await h.request('GET', '/v1/openapi.json')).json;
  expect(document.servers).toEqual([{ url: h.url, description: expect.any(String) }]);
  expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['adminKey', 'apiKey', 'portalToken']);
  expect(document.paths['/v1/admin/portal-links'].post.security).toEqual([{ adminKey: [] }]);
  expect(document.paths['/v1/admin/accounts/{accountId}/revoke-portal-links'].post.security).toEqual([{ adminKey: [] }]);
  expect(document.paths['/v1/endpoints'].get.security).toEqual([{ apiKey: [] }, { portalToken: [] }]);
});
