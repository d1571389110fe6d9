// Accounts and their API keys, created over a ManagementStore: the admin CLI's create-account and
// create-key (cli/admin.ts), the local run's ready-made account (local/dev-account.ts) and chaos's
// tenants. Here rather than in cli/ so the imports between the two go one way: cli/ reads what the
// local run offers (local/outputs.ts), the local run imports nothing of cli/.
import type { ManagementStore } from '../../lambdas/adapters/management-store';
import { generateApiKey } from '../../lambdas/api/api-keys';
import { newAccountId } from '../../lambdas/domain/ids';

const DEFAULT_MAX_ENDPOINTS = 10;
export const MAX_NAME_LENGTH = 200;
/** A key prefix collision (48 random bits) is all but impossible; a fresh key settles it. */
export const KEY_ATTEMPTS = 3;

/** A request the operator can correct (a bad name, an unknown account): the CLI prints its message alone. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
}

export interface CreatedKey {
  readonly accountId: string;
  readonly apiKey: string;
  readonly keyPrefix: string;
}

export async function createAccount(
  store: ManagementStore,
  input: { name: string; maxEndpoints?: number; webhooksEnabled?: boolean },
  now: Date = new Date(),
): Promise<CreatedKey> {
  const name = input.name.trim();
  if (name === '' || name.length > MAX_NAME_LENGTH) throw new AdminError(`--name must be 1 to ${MAX_NAME_LENGTH} characters`);
  const maxEndpoints = input.maxEndpoints ?? DEFAULT_MAX_ENDPOINTS;
  if (!Number.isSafeInteger(maxEndpoints) || maxEndpoints < 0) throw new AdminError('--max-endpoints must be a whole number, 0 or more');
  const account = await store.accounts.createAccount({
    accountId: newAccountId(),
    name,
    webhooksEnabled: input.webhooksEnabled ?? true,
    maxEndpoints,
    createdAt: now.toISOString(),
  });
  return createKey(store, account.accountId, now);
}

/** `validUntil`: the key is refused from then on (create-key --expires-in-days); without it, it never expires. */
export async function createKey(store: ManagementStore, accountId: string, now: Date = new Date(), options: { validUntil?: string } = {}): Promise<CreatedKey> {
  for (let attempt = 0; attempt < KEY_ATTEMPTS; attempt += 1) {
    const key = generateApiKey();
    const result = await store.apiKeys.createApiKey({ keyHash: key.keyHash, keyPrefix: key.keyPrefix, accountId, createdAt: now.toISOString(), ...options });
    if (result === 'created') return { accountId, apiKey: key.apiKey, keyPrefix: key.keyPrefix };
    if (result === 'account_not_found') throw new AdminError(`no account ${accountId}`);
  }
  throw new AdminError('could not create a unique key; try again');
}
