// mintPortalLink against the in-memory store: a token for an existing account only, in the URL's
// fragment, expiring in whole seconds.
import { verifyPortalToken } from '../../../../lambdas/api/portal-tokens';
import { mintPortalLink } from '../../../../lambdas/api/services/portal-links';
import { InMemoryManagementStore, testAccount } from '../../../support/in-memory-management-store';

const NOW = new Date('2026-05-02T12:00:00.750Z');

it('links to the portal with a token for the account in the fragment, expiring in whole seconds', async () => {
  const store = new InMemoryManagementStore();
  store.accounts.put(testAccount());
  const link = await mintPortalLink(store, { accountId: 'acct_1', ttlMinutes: 30, apiBaseUrl: 'https://api.example.com/stage//', now: NOW });
  expect(link?.expiresAt).toBe('2026-05-02T12:30:00.000Z');
  const [base, token = ''] = link?.url.split('#token=') ?? [];
  expect(base).toBe('https://api.example.com/stage/portal');
  expect(verifyPortalToken(await store.portalKey.get(), token, NOW)).toEqual({ ok: true, claims: { accountId: 'acct_1', expiresAt: new Date('2026-05-02T12:30:00.000Z') } });
});

it('answers undefined for an unknown account and refuses a lifetime out of range', async () => {
  const store = new InMemoryManagementStore();
  expect(await mintPortalLink(store, { accountId: 'acct_1', ttlMinutes: 30, apiBaseUrl: 'https://api.example.com', now: NOW })).toBeUndefined();
  for (const ttlMinutes of [0, 1.5, 24 * 60 + 1]) {
    await expect(mintPortalLink(store, { accountId: 'acct_1', ttlMinutes, apiBaseUrl: 'https://api.example.com', now: NOW })).rejects.toThrow(RangeError);
  }
});
