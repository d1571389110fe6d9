// Account and key creation, shared by the admin CLI and the local run: what each writes, and the
// operator's mistakes as AdminError (the CLI prints those alone).
import type { ManagementStore } from '../../../../lambdas/adapters/management-store';
import { hashApiKey } from '../../../../lambdas/api/api-keys';
import { AdminError, createAccount, createKey } from '../../../../local/shared/accounts';

type KeyAnswer = 'created' | 'account_not_found' | 'key_conflict';

/** The two store calls account creation makes, recorded; the key store answers from `keyAnswers`. */
function fakeStore(keyAnswers: KeyAnswer[] = []) {
  const accounts: Array<Record<string, unknown>> = [];
  const keys: Array<{ keyHash: string; keyPrefix: string; accountId: string }> = [];
  const store = {
    accounts: { createAccount: async (account: Record<string, unknown>) => (accounts.push(account), account) },
    apiKeys: {
      createApiKey: async (key: { keyHash: string; keyPrefix: string; accountId: string }) => {
        keys.push(key);
        return keyAnswers.shift() ?? 'created';
      },
    },
  } as unknown as ManagementStore;
  return { store, accounts, keys };
}

const NOW = new Date('2026-03-01T12:00:00Z');

test('creates the account (name trimmed, 10 endpoints and webhooks by default) and its first API key', async () => {
  const { store, accounts, keys } = fakeStore();
  const created = await createAccount(store, { name: '  Acme  ' }, NOW);
  expect(accounts).toEqual([{ accountId: created.accountId, name: 'Acme', webhooksEnabled: true, maxEndpoints: 10, createdAt: NOW.toISOString() }]);
  expect(keys).toEqual([expect.objectContaining({ accountId: created.accountId, keyPrefix: created.keyPrefix, keyHash: hashApiKey(created.apiKey) })]);
  expect(created.apiKey.startsWith(created.keyPrefix)).toBe(true);
});

test('refuses a bad name or endpoint limit before writing anything', async () => {
  const { store, accounts } = fakeStore();
  await expect(createAccount(store, { name: ' ' })).rejects.toThrow(new AdminError('--name must be 1 to 200 characters'));
  await expect(createAccount(store, { name: 'x'.repeat(201) })).rejects.toThrow(AdminError);
  await expect(createAccount(store, { name: 'Acme', maxEndpoints: -1 })).rejects.toThrow(new AdminError('--max-endpoints must be a whole number, 0 or more'));
  await expect(createAccount(store, { name: 'Acme', maxEndpoints: 1.5 })).rejects.toThrow(AdminError);
  expect(accounts).toEqual([]);
});

test('draws a fresh key on a prefix conflict, and names an unknown account', async () => {
  const retried = fakeStore(['key_conflict', 'created']);
  const created = await createKey(retried.store, 'acct_1', NOW);
  expect(retried.keys).toHaveLength(2);
  expect(created.keyPrefix).toBe(retried.keys[1]!.keyPrefix);
  await expect(createKey(fakeStore(['account_not_found']).store, 'acct_nope')).rejects.toThrow(new AdminError('no account acct_nope'));
  await expect(createKey(fakeStore(['key_conflict', 'key_conflict', 'key_conflict']).store, 'acct_1')).rejects.toThrow(new AdminError('could not create a unique key; try again'));
});
