// The audit trail through the API: one line per change (and per secret revealed), naming the
// action, the account, the resource, the kind of credential and the key's visible prefix, and
// never a key, a token, a secret, a URL or a header value. The admin CLI's lines: test/integration/cli/admin-audit.test.ts.
import { createAdminKey } from '../../../cli/admin';
import { AUDIT_MESSAGE, type AuditRecord } from '../../../lambdas/api/audit';
import { startFullApp } from './full-app';
import type { Harness, Receiver } from './harness';
import { seedDelivery } from './seed';

const lines: { message: string; fields: Record<string, unknown> }[] = [];
const log = {
  info: (message: string, ...fields: Record<string, unknown>[]) => lines.push({ message, fields: Object.assign({}, ...fields) as Record<string, unknown> }),
  warn: () => undefined,
  error: () => undefined,
};
let h: Harness;
let receiver: Receiver;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ h, receiver, close } = await startFullApp({ log }));
});
afterAll(() => close?.());

/** The audit lines written since `from`. */
const auditSince = (from: number): AuditRecord[] => lines.slice(from).filter((line) => line.message === AUDIT_MESSAGE).map((line) => line.fields.audit as AuditRecord);

/** Runs `request` and returns the one audit line it wrote. */
async function oneAuditLine(request: () => Promise<{ status: number }>, status: number): Promise<AuditRecord> {
  const from = lines.length;
  expect((await request()).status).toBe(status);
  const written = auditSince(from);
  expect(written).toHaveLength(1);
  return written[0]!;
}

test('the line for a PATCH names the key by its prefix, the fields by name, and holds neither the key nor a value', async () => {
  const { apiKey, accountId, keyPrefix } = await h.newAccount();
  const { id } = (await h.request('POST', '/v1/endpoints', { apiKey, body: { url: receiver.url, events: ['*'] } })).json as { id: string };
  const from = lines.length;
  const line = await oneAuditLine(
    () => h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { url: `${receiver.url}?token=s3cr3t-query`, headers: { 'X-Api-Token': 'h3ader-value' } } }),
    200,
  );
  expect(line).toEqual({
    action: 'endpoint.update',
    accountId,
    resource: id,
    credential: 'apiKey',
    keyPrefix,
    details: { fields: ['url', 'headers'] },
  });
  const written = JSON.stringify(lines.slice(from));
  expect(written).toContain(keyPrefix);
  for (const secret of [apiKey, 's3cr3t-query', 'h3ader-value']) expect(written).not.toContain(secret);
});

test('one line for each change and each secret revealed, none for reads', async () => {
  const { apiKey, accountId, keyPrefix } = await h.newAccount();
  const as = { credential: 'apiKey', keyPrefix, accountId };

  const created = await oneAuditLine(() => h.request('POST', '/v1/endpoints', { apiKey, body: { url: receiver.url, events: ['click'] } }), 201);
  expect(created).toMatchObject({ action: 'endpoint.create', ...as, details: { fields: ['url', 'events'] } });
  const id = created.resource!;

  expect(await oneAuditLine(() => h.request('GET', `/v1/endpoints/${id}/secret`, { apiKey }), 200)).toMatchObject({ action: 'endpoint.reveal_secret', resource: id, ...as });
  expect(await oneAuditLine(() => h.request('POST', `/v1/endpoints/${id}/rotate-secret`, { apiKey, body: {} }), 200)).toMatchObject({
    action: 'endpoint.rotate_secret',
    resource: id,
    ...as,
    details: { scheduled: false },
  });
  expect(await oneAuditLine(() => h.request('POST', `/v1/endpoints/${id}/enable`, { apiKey }), 200)).toMatchObject({ action: 'endpoint.enable', resource: id, ...as });
  expect(await oneAuditLine(() => h.request('POST', `/v1/endpoints/${id}/test`, { apiKey, body: {} }), 200)).toMatchObject({ action: 'endpoint.test', resource: id, ...as });

  const failed = await seedDelivery(h.dispatcherStore, { accountId, endpointId: id, eventId: 'evt-audit', outcomes: ['failed'], startAt: new Date(Date.now() - 60_000) });
  expect(await oneAuditLine(() => h.request('POST', `/v1/deliveries/${failed}/redeliver`, { apiKey }), 202)).toMatchObject({
    action: 'delivery.redeliver',
    resource: failed,
    ...as,
    details: { attempt: 2 },
  });
  const since = new Date(Date.now() - 3_600_000).toISOString();
  expect(await oneAuditLine(() => h.request('POST', `/v1/endpoints/${id}/recover`, { apiKey, body: { since } }), 202)).toMatchObject({
    action: 'endpoint.recover',
    resource: id,
    ...as,
    details: { since, redelivered: expect.any(Number), truncated: false },
  });

  // Reads write nothing.
  const before = lines.length;
  for (const path of ['/v1/endpoints', `/v1/endpoints/${id}`, '/v1/deliveries', `/v1/endpoints/${id}/deliveries`]) {
    expect((await h.request('GET', path, { apiKey })).status).toBe(200);
  }
  expect(auditSince(before)).toEqual([]);

  expect(await oneAuditLine(() => h.request('DELETE', `/v1/endpoints/${id}`, { apiKey }), 204)).toMatchObject({ action: 'endpoint.delete', resource: id, ...as });
  // A change refused writes no line.
  const refused = lines.length;
  expect((await h.request('DELETE', `/v1/endpoints/${id}`, { apiKey })).status).toBe(404);
  expect(auditSince(refused)).toEqual([]);
});

test('admin routes: minting a link and revoking an account\'s links name the admin key; a link\'s own changes name the link', async () => {
  const { accountId } = await h.newAccount();
  const admin = await createAdminKey(h.store, { name: 'audit test' });
  const minted = await oneAuditLine(() => h.request('POST', '/v1/admin/portal-links', { apiKey: admin.adminKey, body: { accountId, ttlMinutes: 10, scope: 'manage' } }), 201);
  expect(minted).toMatchObject({ action: 'portal_link.mint', accountId, credential: 'admin', keyPrefix: admin.keyPrefix, details: { scope: 'manage', expiresAt: expect.any(String) } });

  const link = (await h.request('POST', '/v1/admin/portal-links', { apiKey: admin.adminKey, body: { accountId, ttlMinutes: 10 } })).json as { url: string };
  const token = decodeURIComponent(link.url.split('#token=')[1]!);
  const byLink = await oneAuditLine(() => h.request('POST', '/v1/endpoints', { apiKey: token, body: { url: receiver.url, events: ['click'] } }), 201);
  expect(byLink).toMatchObject({ action: 'endpoint.create', accountId, credential: 'portal', portalScope: 'manage', portalMintedBy: admin.keyPrefix });
  expect(JSON.stringify(byLink)).not.toContain(token);

  expect(await oneAuditLine(() => h.request('POST', `/v1/admin/accounts/${accountId}/revoke-portal-links`, { apiKey: admin.adminKey }), 200)).toEqual({
    action: 'portal_links.revoke',
    accountId,
    credential: 'admin',
    keyPrefix: admin.keyPrefix,
  });
  expect(JSON.stringify(lines)).not.toContain(admin.adminKey);
});
