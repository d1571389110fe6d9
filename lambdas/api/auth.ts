// Who is calling, in one place. Three credentials, all as `Authorization: Bearer <token>`:
// - a customer API key (grw_...): hashed and looked up by its hash, so nothing secret is compared
//   byte by byte (strongly consistent: a revocation counts at once; refused past its validUntil;
//   its last use stamped at most hourly); account routes;
// - a portal token (grp_...): signed, not stored; its HMAC is compared in constant time; account
//   routes except apiKeyOnly ones, scoped to the token's account; a `read` token GET routes only
//   (403 read_only_link here, the one place that decides); refused once the account's links were
//   revoked after it was issued, or once the admin key that minted it is revoked;
// - an admin key (gra_...): hashed and looked up like an API key; admin routes only.
// One answer covers missing, malformed, unknown, forged and revoked credentials alike; only a
// genuine portal token that has run out (portal_link_expired) or was revoked (portal_link_revoked)
// gets its own code, so the portal can tell the person to ask for a new link.
import type { ManagementStore } from '../adapters/management-store';
import { isExpired, lastUseIsStale } from '../adapters/management/api-key-store';
import { bearerToken, hashApiKey, isWellFormedAdminKey, isWellFormedApiKey } from './api-keys';
import { forbidden, unauthorized } from './errors';
import { looksLikePortalToken, MINTED_BY_CLI, verifyPortalToken } from './portal-tokens';
import type { AdminAuth, AuthContext, Route } from './router';

export async function authenticate(
  store: ManagementStore,
  route: Pick<Route, 'access' | 'apiKeyOnly' | 'manageOnly' | 'method'>,
  authorization: string | undefined,
  now: Date,
): Promise<AuthContext | AdminAuth | undefined> {
  switch (route.access) {
    case 'public':
      return undefined;
    case 'admin':
      return authenticateAdmin(store, authorization, now);
    case 'account': {
      const auth = await authenticateAccount(store, authorization, { allowPortal: route.apiKeyOnly !== true, now });
      // By method, so a route added later is covered without a flag: a read link changes nothing,
      // and reads nothing that could forge a webhook (manageOnly).
      if (auth.kind === 'portal' && auth.scope === 'read' && (route.method !== 'GET' || route.manageOnly === true)) {
        throw forbidden('read_only_link', 'This portal link is read-only: it cannot change anything. Ask for a link that may manage the account.');
      }
      return auth;
    }
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
  const keyHash = hashApiKey(token);
  const key = await store.apiKeys.findApiKey(keyHash);
  // Only the admin CLI writes a whole key item; one without its prefix is not a key.
  if (!key || typeof key.keyPrefix !== 'string' || key.revokedAt !== undefined || isExpired(key, options.now)) throw invalidKey();
  const [account] = await Promise.all([
    store.accounts.getAccount(key.accountId),
    lastUseIsStale(key, options.now) ? recordUse(() => store.apiKeys.recordUse(keyHash, options.now)) : undefined,
  ]);
  if (!account) throw invalidKey();
  return { kind: 'apiKey', account, keyPrefix: key.keyPrefix };
}

async function authenticatePortal(store: ManagementStore, token: string, now: Date): Promise<AuthContext> {
  const checked = await verifyPortalToken(store.portalKeys, token, now);
  if (!checked.ok) {
    throw checked.reason === 'expired'
      ? unauthorized('The portal link has expired; ask for a new one', 'portal_link_expired')
      : invalidPortalLink();
  }
  const { accountId, issuedAt, expiresAt, scope, mintedBy } = checked.claims;
  // Both strongly consistent and read on every request (nothing cached): a revocation applies to the next one.
  const [account, minterActive] = await Promise.all([
    store.accounts.getAccount(accountId, { consistentRead: true }),
    mintedBy === MINTED_BY_CLI ? true : store.adminKeys.isActive(mintedBy),
  ]);
  if (!account) throw invalidPortalLink();
  const validAfter = account.portalLinksValidAfter === undefined ? undefined : Date.parse(account.portalLinksValidAfter);
  if ((validAfter !== undefined && issuedAt.getTime() < validAfter) || !minterActive) throw revokedPortalLink();
  return { kind: 'portal', account, expiresAt: expiresAt.toISOString(), scope, mintedBy };
}

export async function authenticateAdmin(store: ManagementStore, authorization: string | undefined, now: Date = new Date()): Promise<AdminAuth> {
  const token = bearerToken(authorization);
  if (token === undefined) throw unauthorized('Send an admin key as "Authorization: Bearer <admin key>"');
  if (!isWellFormedAdminKey(token)) throw invalidAdminKey();
  const keyHash = hashApiKey(token);
  const key = await store.adminKeys.findAdminKey(keyHash);
  if (!key || typeof key.keyPrefix !== 'string' || key.revokedAt !== undefined || isExpired(key, now)) throw invalidAdminKey();
  if (lastUseIsStale(key, now)) await recordUse(() => store.adminKeys.recordUse(keyHash, now));
  return { kind: 'admin', keyPrefix: key.keyPrefix };
}

/** A key's last-use stamp is bookkeeping: a failed one (a throttled write) never fails the request it rides on. */
async function recordUse(stamp: () => Promise<boolean>): Promise<void> {
  await stamp().catch(() => false);
}

const invalidKey = () => unauthorized('The API key is not valid');
const invalidPortalLink = () => unauthorized('The portal link is not valid');
const revokedPortalLink = () => unauthorized('The portal link has been revoked; ask for a new one', 'portal_link_revoked');
const invalidAdminKey = () => unauthorized('This route needs a valid admin key');
