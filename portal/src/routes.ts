// The portal's pages live in the fragment (`#/deliveries?status=failed`), so the back button and
// reloads work and no page address ever reaches the server.
import { DELIVERY_STATUSES, type DeliveryQuery, type DeliveryStatus } from './api-types';

export interface DeliveryFilters {
  readonly status?: DeliveryStatus;
  readonly endpoint?: string;
  readonly event?: string;
  readonly eventId?: string;
  /** ISO-8601. */
  readonly since?: string;
  readonly until?: string;
}

export type Route =
  | { readonly page: 'endpoints' }
  | { readonly page: 'new-endpoint' }
  | { readonly page: 'endpoint'; readonly id: string }
  | { readonly page: 'deliveries'; readonly filters: DeliveryFilters }
  | { readonly page: 'delivery'; readonly id: string }
  | { readonly page: 'activity' };

const ID = /^[A-Za-z0-9_-]{1,128}$/;
const FILTER_PARAMS: Readonly<Record<keyof DeliveryFilters, string>> = {
  status: 'status',
  endpoint: 'endpoint',
  event: 'event',
  eventId: 'event_id',
  since: 'since',
  until: 'until',
};

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter((part) => part !== '');
  const [section, id] = parts;
  if (section === 'endpoints' && id === 'new' && parts.length === 2) return { page: 'new-endpoint' };
  if (section === 'endpoints' && id !== undefined && ID.test(id) && parts.length === 2) return { page: 'endpoint', id };
  if (section === 'deliveries' && id !== undefined && ID.test(id) && parts.length === 2) return { page: 'delivery', id };
  if (section === 'deliveries' && parts.length === 1) return { page: 'deliveries', filters: parseFilters(new URLSearchParams(search)) };
  if (section === 'activity' && parts.length === 1) return { page: 'activity' };
  return { page: 'endpoints' };
}

function parseFilters(params: URLSearchParams): DeliveryFilters {
  const filters: Record<string, string> = {};
  for (const [key, name] of Object.entries(FILTER_PARAMS)) {
    const value = params.get(name)?.trim();
    if (value) filters[key] = value;
  }
  if (filters.status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(filters.status)) delete filters.status;
  return filters as DeliveryFilters;
}

export function routeHash(route: Route): string {
  switch (route.page) {
    case 'endpoints':
      return '#/endpoints';
    case 'new-endpoint':
      return '#/endpoints/new';
    case 'endpoint':
      return `#/endpoints/${encodeURIComponent(route.id)}`;
    case 'delivery':
      return `#/deliveries/${encodeURIComponent(route.id)}`;
    case 'activity':
      return '#/activity';
    case 'deliveries': {
      const params = new URLSearchParams();
      for (const [key, name] of Object.entries(FILTER_PARAMS)) {
        const value = route.filters[key as keyof DeliveryFilters];
        if (value) params.set(name, value);
      }
      const search = params.toString();
      return search === '' ? '#/deliveries' : `#/deliveries?${search}`;
    }
  }
}

/** The API's query for a filter set (GET /v1/deliveries). */
export function deliveryQuery(filters: DeliveryFilters): DeliveryQuery {
  return {
    status: filters.status,
    endpoint: filters.endpoint,
    // The fragment may name any type: the API answers 400 for one the catalogue lacks, and the page shows it.
    event: filters.event as DeliveryQuery['event'],
    event_id: filters.eventId,
    since: filters.since,
    until: filters.until,
  };
}
