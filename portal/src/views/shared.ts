// What several pages load: the account's endpoints, the event catalogue and the hourly counts.
import type { ApiClient } from '../api';
import type { Endpoint, EventType, HourlyStats } from '../api-types';

export interface PageProps {
  readonly api: ApiClient;
  /** `User-Agent` the service sends (shown in a delivery's headers). */
  readonly userAgent: string;
  /** A read link (session.ts linkScope): the page shows no control that would change anything. */
  readonly readOnly?: boolean;
}

/** A panel of the endpoint's page; `onChange` takes the endpoint as the API answers it after a change. */
export interface EndpointPanelProps {
  readonly api: ApiClient;
  readonly endpoint: Endpoint;
  readonly onChange?: (endpoint: Endpoint) => void;
  /** A read link: the panel shows what is, without controls (the API would answer 403 read_only_link). */
  readonly readOnly?: boolean;
}

/** The path parameters of a route about one resource (`/v1/endpoints/{id}`, `/v1/deliveries/{id}`). */
export const byId = (id: string) => ({ path: { id } });

export const loadEndpoints = async (api: ApiClient): Promise<readonly Endpoint[]> =>
  (await api.get('/v1/endpoints')).data;

export const loadEventTypes = async (api: ApiClient): Promise<readonly EventType[]> =>
  (await api.get('/v1/event-types')).data;

/** The last `hours` hours' counts, of one endpoint or all. */
export const loadHourly = (api: ApiClient, endpointId?: string, hours = 24): Promise<HourlyStats> =>
  api.get('/v1/stats/hourly', { params: { query: { endpoint: endpointId, hours } } });

/** `hooks.example.com/path` for tables; the full URL stays in the title. */
export function shortUrl(url: string): string {
  return url.replace(/^https?:\/\//, '');
}

export function eventsLabel(events: readonly string[]): string {
  return events.includes('*') ? 'all events' : events.join(', ');
}
