// Who is calling, in one place. Three credentials, all as `Authorization: Bearer <token>`:
// - a customer API key (grw_...): hashed and looked up by its hash, so nothing secret is compared
//   byte by byte; account routes;
// - a portal token (grp_...): signed, not stored; its HMAC is compared in constant time; account
//   routes except apiKeyOnly ones, scoped to the token's account;
// - an admin key (gra_...): hashed and looked up like an API key; admin routes only.
// One answer covers missing, malformed, unknown, forged and revoked credentials alike; only a
// genuine portal token that has run out gets its own code (portal_link_expired), so the portal can
// tell the person to ask for a new link.
import type { ManagementStore } from '../adapters/management-store';
import { bearerToken, hashApiKey, isWellFormedAdminKey, isWellFormedApiKey } from './api-keys';
import { unauthorized } from './errors';
import { looksLikePortalToken, verifyPortalToken } from './portal-tokens';
import type { AdminAuth, AuthContext, Route } from './router';

export async function authenticate(
  store: ManagementStore,
  route: Pick<Route, 'access' | 'apiKeyOnly'>,
  authorization: string | undefined,
  now: Date,
): Promise<AuthContext | AdminAuth | undefined> {
  switch (route.access) {
    case 'public':
      return undefined;
    case 'admin':
      return authenticateAdmin(store, authorization);
    case 'account':
      return authenticateAccount(store, authorization, { allowPortal: route.apiKeyOnly !== true, now });
  }
}

export async function authenticateAccount(
  store: ManagementStore,
  authorization: string | undefined,
  options: { allowPortal: boolean; now: Date },
): Promise<AuthContext> {
  const token = bearerToken(authorization);
  if (token === undefined) throw unauthorized('Send your API key as "Authorization: Bearer <key>"');
  if (looksLikePortalToken(token)) {
    if (!options.allowPortal) throw unauthorized('This route needs an API key; a portal link cannot call it');
    return authenticatePortal(store, token, options.now);
  }
  if (!isWellFormedApiKey(token)) throw invalidKey();
  const key = await store.apiKeys.findApiKey(hashApiKey(token));
  if (!key || key.revokedAt !== undefined) throw invalidKey();
  const account = await store.accounts.getAccount(key.accountId);
  if (!account) throw invalidKey();
  return { kind: 'apiKey', account, keyPrefix: key.keyPrefix };
}

async function authenticatePortal(store: ManagementStore, token: string, now: Date): Promise<AuthContext> {
  const checked = verifyPortalToken(await store.portalKey.get(), token, now);
  if (!checked.ok) {
    throw checked.reason === 'expired'
      ? unauthorized('The portal link has expired; ask for a new one', 'portal_link_expired')
      : invalidPortalLink();
  }
  const account = await store.accounts.getAccount(checked.claims.accountId);
  if (!account) throw invalidPortalLink();
  return { kind: 'portal', account, expiresAt: checked.claims.expiresAt.toISOString() };
}

export async function authenticateAdmin(store: ManagementStore, authorization: string | undefined): Promise<AdminAuth> {
  const token = bearerToken(authorization);
  if (token === undefined) throw unauthorized('Send an admin key as "Authorization: Bearer <admin key>"');
  if (!isWellFormedAdminKey(token)) throw invalidAdminKey();
  const key = await store.adminKeys.findAdminKey(hashApiKey(token));
  if (!key || key.revokedAt !== undefined) throw invalidAdminKey();
  return { kind: 'admin', keyPrefix: key.keyPrefix };
}

const invalidKey = () => unauthorized('The API key is not valid');
const invalidPortalLink = () => unauthorized('The portal link is not valid');
const invalidAdminKey = () => unauthorized('This route needs a valid admin key');
