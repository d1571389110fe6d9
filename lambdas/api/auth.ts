// Bearer API keys. The key is hashed and looked up by its hash: nothing secret is compared byte
// by byte, and one answer covers missing, malformed, unknown and revoked keys alike.
import type { ManagementStore } from '../adapters/management-store';
import { bearerToken, hashApiKey, isWellFormedApiKey } from './api-keys';
import { unauthorized } from './errors';
import type { AuthContext } from './router';

export async function authenticate(store: ManagementStore, authorization: string | undefined): Promise<AuthContext> {
  const token = bearerToken(authorization);
  if (token === undefined) throw unauthorized('Send your API key as "Authorization: Bearer <key>"');
  if (!isWellFormedApiKey(token)) throw invalidKey();
  const key = await store.apiKeys.findApiKey(hashApiKey(token));
  if (!key || key.revokedAt !== undefined) throw invalidKey();
  const account = await store.accounts.getAccount(key.accountId);
  if (!account) throw invalidKey();
  return { account, keyPrefix: key.keyPrefix };
}

const invalidKey = () => unauthorized('The API key is not valid');
