// Portal links: `<API base>/portal#token=<portal token>`. The token rides in the fragment, which
// browsers never send, so it reaches neither server or access logs nor a Referer header. Shared by
// the admin route (POST /v1/admin/portal-links) and the admin CLI (portal-link).
import { MAX_PORTAL_TTL_MINUTES, MIN_PORTAL_TTL_MINUTES, type PortalScope, signPortalToken } from '../portal-tokens';
import type { PortalLinkRecords } from './ports';

export interface PortalLink {
  readonly url: string;
  readonly expiresAt: string;
}

/** Where the portal page is served, below the API's base URL. */
export const PORTAL_PATH = '/portal';

/** A link for the account, or undefined when there is no such account. */
export async function mintPortalLink(
  store: PortalLinkRecords,
  input: { accountId: string; ttlMinutes: number; scope: PortalScope; mintedBy: string; apiBaseUrl: string; now: Date },
): Promise<PortalLink | undefined> {
  const { ttlMinutes, now } = input;
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < MIN_PORTAL_TTL_MINUTES || ttlMinutes > MAX_PORTAL_TTL_MINUTES) {
    throw new RangeError(`ttlMinutes must be a whole number from ${MIN_PORTAL_TTL_MINUTES} to ${MAX_PORTAL_TTL_MINUTES}`);
  }
  const account = await store.accounts.getAccount(input.accountId, { consistentRead: true });
  if (!account) return undefined;
  // Whole seconds, as the token carries them.
  const nowSeconds = Math.floor(now.getTime() / 1000) * 1000;
  const expiresAt = new Date(nowSeconds + ttlMinutes * 60_000);
  // A link minted after a revocation must outlive it, even within the revocation's own second: its
  // iat is at least the next whole second (a second ahead at most, well inside the verifier's skew).
  const revokedAt = account.portalLinksValidAfter === undefined ? 0 : Math.ceil(Date.parse(account.portalLinksValidAfter) / 1000) * 1000;
  const issuedAt = new Date(Math.max(nowSeconds, revokedAt));
  const token = await signPortalToken(store.portalKeys, { accountId: input.accountId, issuedAt, expiresAt, scope: input.scope, mintedBy: input.mintedBy }, now);
  return { url: `${input.apiBaseUrl.replace(/\/+$/, '')}${PORTAL_PATH}#token=${token}`, expiresAt: expiresAt.toISOString() };
}
