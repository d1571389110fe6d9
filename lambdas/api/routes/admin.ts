import type { ManagementStore } from '../../adapters/management-store';
import type { Audit } from '../audit';
import { notFound } from '../errors';
import { defineRoute, type Route } from '../router';
import { CreatePortalLinkRequest, PortalLink, PortalLinksRevoked } from '../schemas';
import { mintPortalLink } from '../services/portal-links';

/** The operator's routes: an admin key (gra_...), never a customer's API key or portal token. */
export function adminRoutes(deps: { store: ManagementStore; now: () => Date; audit: Audit }): Route[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/v1/admin/portal-links',
      operationId: 'createPortalLink',
      summary: "Mint a link to an account's portal",
      description:
        'For the platform\'s own dashboard: the link opens the customer portal for one account until expiresAt. Its token ' +
        '(grp_...) is signed with a key derived from the stack\'s KMS key, never stored, and works as a bearer credential on that ' +
        'account\'s routes only: all of them with scope manage, GET routes only with scope read. It names the admin key that ' +
        'minted it: revoking that key ends the link too. The URL is the base URL this request used + /portal#token=...; 404 for ' +
        'an unknown account.',
      tag: 'Admin',
      access: 'admin',
      errors: [400, 404, 413],
      body: { schema: CreatePortalLinkRequest, required: true },
      success: { status: 201, description: 'The link', schema: PortalLink },
      handle: async ({ auth, body, baseUrl }) => {
        const link = await mintPortalLink(deps.store, {
          accountId: body.accountId,
          ttlMinutes: body.ttlMinutes,
          scope: body.scope,
          mintedBy: auth.keyPrefix,
          apiBaseUrl: baseUrl,
          now: deps.now(),
        });
        if (!link) throw notFound('Account not found');
        deps.audit(auth, { action: 'portal_link.mint', accountId: body.accountId, details: { scope: body.scope, expiresAt: link.expiresAt } });
        return link;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/admin/accounts/{accountId}/revoke-portal-links',
      operationId: 'revokePortalLinks',
      summary: "End every portal link of an account",
      description:
        'Every portal link of the account issued until now stops working at once (401 portal_link_revoked), whoever minted ' +
        'it; links minted afterwards work. Nothing else of the account changes. 404 for an unknown account.',
      tag: 'Admin',
      access: 'admin',
      errors: [404],
      success: { status: 200, description: 'From when links of the account are accepted again', schema: PortalLinksRevoked },
      handle: async ({ auth, params }) => {
        const accountId = params.accountId ?? '';
        const account = await deps.store.accounts.revokePortalLinks(accountId, deps.now().toISOString());
        if (!account?.portalLinksValidAfter) throw notFound('Account not found');
        deps.audit(auth, { action: 'portal_links.revoke', accountId });
        return { accountId, portalLinksValidAfter: account.portalLinksValidAfter };
      },
    }),
  ];
}
