// Portal links: `<API base>/portal#token=<portal token>`. The token rides in the fragment, which
// browsers never send, so it reaches neither server or access logs nor a Referer header. Shared by
// the admin route (POST /v1/admin/portal-links) and the admin CLI (portal-link).
import { MAX_PORTAL_TTL_MINUTES, MIN_PORTAL_TTL_MINUTES, signPortalToken } from '../portal-tokens';
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
  input: { accountId: string; ttlMinutes: number; apiBaseUrl: string; now: Date },
): Promise<PortalLink | undefined> {
  const { ttlMinutes } = input;
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < MIN_PORTAL_TTL_MINUTES || ttlMinutes > MAX_PORTAL_TTL_MINUTES) {
    throw new RangeError(`ttlMinutes must be a whole number from ${MIN_PORTAL_TTL_MINUTES} to ${MAX_PORTAL_TTL_MINUTES}`);
  }
  if (!(await store.accounts.getAccount(input.accountId))) return undefined;
  // Whole seconds, as the token carries them.
  const expiresAt = new Date(Math.floor(input.now.getTime() / 1000) * 1000 + ttlMinutes * 60_000);
  const token = signPortalToken(await store.portalKey.get(), { accountId: input.accountId, expiresAt });
  return { url: `${input.apiBaseUrl.replace(/\/+$/, '')}${PORTAL_PATH}#token=${token}`, expiresAt: expiresAt.toISOString() };
}
