// mintPortalLink against the in-memory store: a token for an existing account only, in the URL's
// fragment, expiring in whole seconds, with the scope and minter asked for; and a link minted
// after a revocation is never caught by it, even within the revocation's own second.
import { verifyPortalToken } from '../../../../lambdas/api/portal-tokens';
import { mintPortalLink } from '../../../../lambdas/api/services/portal-links';
import { InMemoryManagementStore, testAccount } from '../../../support/in-memory-management-store';

const NOW = new Date('2026-05-02T12:00:00.750Z');
const mint = { accountId: 'acct_1', ttlMinutes: 30, scope: 'manage', mintedBy: 'cli', apiBaseUrl: 'https://api.example.com', now: NOW } as const;

it('links to the portal with a token for the account in the fragment, expiring in whole seconds', async () => {
  const store = new InMemoryManagementStore();
  store.accounts.put(testAccount());
  const link = await mintPortalLink(store, { ...mint, scope: 'read', mintedBy: 'gra_AbCd1234', apiBaseUrl: 'https://api.example.com/stage//' });
  expect(link?.expiresAt).toBe('2026-05-02T12:30:00.000Z');
  const [base, token = ''] = link?.url.split('#token=') ?? [];
  expect(base).toBe('https://api.example.com/stage/portal');
  expect(await verifyPortalToken(store.portalKeys, token, NOW)).toEqual({
    ok: true,
    claims: { accountId: 'acct_1', issuedAt: new Date('2026-05-02T12:00:00.000Z'), expiresAt: new Date('2026-05-02T12:30:00.000Z'), scope: 'read', mintedBy: 'gra_AbCd1234' },
  });
});

it('issues a link minted after a revocation no earlier than the revocation, even in the same second', async () => {
  const store = new InMemoryManagementStore();
  store.accounts.put(testAccount({ portalLinksValidAfter: '2026-05-02T12:00:00.500Z' }));
  const token = (await mintPortalLink(store, mint))?.url.split('#token=')[1] ?? '';
  const checked = await verifyPortalToken(store.portalKeys, token, NOW);
  expect(checked.ok && checked.claims.issuedAt.toISOString()).toBe('2026-05-02T12:00:01.000Z');
  expect(checked.ok && checked.claims.expiresAt.toISOString()).toBe('2026-05-02T12:30:00.000Z');
});

it('answers undefined for an unknown account and refuses a lifetime out of range', async () => {
  const store = new InMemoryManagementStore();
  expect(await mintPortalLink(store, mint)).toBeUndefined();
  for (const ttlMinutes of [0, 1.5, 24 * 60 + 1]) {
    await expect(mintPortalLink(store, { ...mint, ttlMinutes })).rejects.toThrow(RangeError);
  }
});
