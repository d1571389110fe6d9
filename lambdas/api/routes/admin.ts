import type { ManagementStore } from '../../adapters/management-store';
import { notFound } from '../errors';
import { defineRoute, type Route } from '../router';
import { CreatePortalLinkRequest, PortalLink } from '../schemas';
import { mintPortalLink } from '../services/portal-links';

/** The operator's routes: an admin key (gra_...), never a customer's API key or portal token. */
export function adminRoutes(deps: { store: ManagementStore; now: () => Date }): Route[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/v1/admin/portal-links',
      operationId: 'createPortalLink',
      summary: "Mint a link to an account's portal",
      description:
        'For the platform\'s own dashboard: the link opens the customer portal for one account until expiresAt. Its token ' +
        '(grp_...) is signed, never stored, and works as a bearer credential on that account\'s routes only. The URL is the ' +
        'base URL this request used + /portal#token=...; 404 for an unknown account.',
      tag: 'Admin',
      access: 'admin',
      errors: [400, 404, 413],
      body: { schema: CreatePortalLinkRequest, required: true },
      success: { status: 201, description: 'The link', schema: PortalLink },
      handle: async ({ body, baseUrl }) => {
        const link = await mintPortalLink(deps.store, { accountId: body.accountId, ttlMinutes: body.ttlMinutes, apiBaseUrl: baseUrl, now: deps.now() });
        if (!link) throw notFound('Account not found');
        return link;
      },
    }),
  ];
}
