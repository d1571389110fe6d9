// The delivery log across the account's endpoints, newest first: filters, search by event id,
// and paging with the API's cursor.
import { useEffect, useState } from 'preact/hooks';
import { DELIVERY_STATUSES, type DeliveryPage, type DeliverySummary, type Endpoint } from '../api-types';
import { errorText, html, Notice, StatusBadge, Time, useLoad } from '../components/ui';
import { attemptResult, formatLatency, isoToLocalInput, localInputToIso } from '../format';
import { deliveryQuery, type DeliveryFilters, routeHash } from '../routes';
import { loadEndpoints, loadEventTypes, type PageProps, shortUrl } from './shared';

const PAGE_SIZE = 25;
/** The API bounds what one call reads, so a page may come back short (even empty) with a cursor. */
const MAX_FOLLOW = 4;

async function fetchPage(api: PageProps['api'], filters: DeliveryFilters, cursor?: string): Promise<DeliveryPage> {
  const get = (next: string | undefined) => api.get('/v1/deliveries', { params: { query: { ...deliveryQuery(filters), limit: PAGE_SIZE, cursor: next } } });
  let page = await get(cursor);
  const rows = [...page.data];
  for (let follow = 0; rows.length < PAGE_SIZE && page.nextCursor && follow < MAX_FOLLOW; follow += 1) {
    page = await get(page.nextCursor);
    rows.push(...page.data);
  }
  return { data: rows, nextCursor: page.nextCursor };
}

export function DeliveriesPage({ api, filters }: PageProps & { filters: DeliveryFilters }) {
  const lookups = useLoad(async () => {
    const [endpoints, eventTypes] = await Promise.all([loadEndpoints(api), loadEventTypes(api)]);
    return { endpoints, eventTypes };
  }, 'lookups');
  const key = JSON.stringify(filters);
  const first = useLoad(() => fetchPage(api, filters), key);
  const [more, setMore] = useState<{ key: string; rows: DeliverySummary[]; cursor: string | null; busy: boolean; error?: unknown }>({ key, rows: [], cursor: null, busy: false });
  useEffect(() => setMore({ key, rows: [], cursor: null, busy: false }), [key, first.data]);

  const rows = [...(first.data?.data ?? []), ...(more.key === key ? more.rows : [])];
  const cursor = more.key === key && more.rows.length > 0 ? more.cursor : (first.data?.nextCursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    setMore((previous) => ({ ...previous, busy: true }));
    try {
      const page = await fetchPage(api, filters, cursor);
      setMore((previous) => ({ key, rows: [...(previous.key === key ? previous.rows : []), ...page.data], cursor: page.nextCursor, busy: false }));
    } catch (error) {
      setMore((previous) => ({ ...previous, busy: false, error }));
    }
  };
  const endpointsById = new Map((lookups.data?.endpoints ?? []).map((endpoint) => [endpoint.id, endpoint]));

  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title" tabindex="-1">Delivery log</h1>
      <button type="button" class="button-secondary" onClick=${() => first.reload()} disabled=${first.loading}>${first.loading ? 'Loading…' : 'Refresh'}</button>
    </div>
    <${Filters} filters=${filters} endpoints=${lookups.data?.endpoints ?? []} eventTypes=${(lookups.data?.eventTypes ?? []).map((type) => type.name)} />
    ${first.error ? html`<${Notice} kind="error">${errorText(first.error)}<//>` : null}
    ${first.data && rows.length === 0
      ? html`<div class="empty" role="status"><p>${cursor ? 'No deliveries match in the newest part of the log.' : 'No deliveries match.'}</p></div>`
      : null}
    ${rows.length > 0
      ? html`<div class="table-scroll">
          <table class="list deliveries">
            <caption class="visually-hidden">Deliveries, newest first</caption>
            <thead><tr><th scope="col">Created</th><th scope="col">Event</th><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col">Last attempt</th></tr></thead>
            <tbody>
              ${rows.map((row) => html`<${DeliveryRow} key=${row.id} row=${row} endpoint=${endpointsById.get(row.endpointId)} />`)}
            </tbody>
          </table>
        </div>`
      : null}
    ${more.error ? html`<${Notice} kind="error">${errorText(more.error)}<//>` : null}
    ${cursor ? html`<p class="actions"><button type="button" class="button-secondary" onClick=${loadMore} disabled=${more.busy}>${more.busy ? 'Loading…' : 'Load older deliveries'}</button></p>` : null}
  </section>`;
}

function DeliveryRow({ row, endpoint }: { row: DeliverySummary; endpoint: Endpoint | undefined }) {
  return html`<tr>
    <td data-label="Created"><a href=${`#/deliveries/${row.id}`} aria-label=${`Delivery ${row.id}, ${row.eventType} ${row.status}`}><${Time} iso=${row.createdAt} /></a></td>
    <td data-label="Event"><code>${row.eventType}</code>${row.test ? html` <span class="badge">test</span>` : null}<div class="muted small mono">${row.eventId}</div></td>
    <td data-label="Endpoint">${endpoint ? html`<span class="url" title=${endpoint.url}>${shortUrl(endpoint.url)}</span>` : html`<code class="muted">${row.endpointId}</code>`}</td>
    <td data-label="Status"><${StatusBadge} status=${row.status} />${row.reason ? html`<div class="muted small">${row.reason}</div>` : null}</td>
    <td data-label="Last attempt">${row.lastAttempt
      ? html`${attemptResult(row.lastAttempt)} · ${formatLatency(row.lastAttempt.latencyMs)}<div class="muted small">attempt ${row.lastAttempt.attempt}${row.nextAttemptAt ? html`, next <${Time} iso=${row.nextAttemptAt} />` : null}</div>`
      : html`<span class="muted">none</span>`}</td>
  </tr>`;
}

function Filters({ filters, endpoints, eventTypes }: { filters: DeliveryFilters; endpoints: readonly Endpoint[]; eventTypes: readonly string[] }) {
  const [draft, setDraft] = useState(() => toDraft(filters));
  useEffect(() => setDraft(toDraft(filters)), [JSON.stringify(filters)]);
  const set = (name: keyof typeof draft) => (event: Event) => setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });
  const apply = (event: Event) => {
    event.preventDefault();
    const next: Record<string, string | undefined> = {
      status: draft.status || undefined,
      endpoint: draft.endpoint || undefined,
      event: draft.event || undefined,
      eventId: draft.eventId.trim() || undefined,
      since: localInputToIso(draft.since),
      until: localInputToIso(draft.until),
    };
    location.hash = routeHash({ page: 'deliveries', filters: next as DeliveryFilters });
  };
  return html`<form class="filters" role="search" aria-label="Filter deliveries" onSubmit=${apply}>
    <div class="field">
      <label for="filter-event-id">Event id</label>
      <input id="filter-event-id" type="search" value=${draft.eventId} onInput=${set('eventId')} placeholder="click:abc123…" />
    </div>
    <div class="field">
      <label for="filter-status">Status</label>
      <select id="filter-status" value=${draft.status} onChange=${set('status')}>
        <option value="">any</option>
        ${DELIVERY_STATUSES.map((status) => html`<option key=${status} value=${status}>${status}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="filter-endpoint">Endpoint</label>
      <select id="filter-endpoint" value=${draft.endpoint} onChange=${set('endpoint')}>
        <option value="">all</option>
        ${endpoints.map((endpoint) => html`<option key=${endpoint.id} value=${endpoint.id}>${shortUrl(endpoint.url)}</option>`)}
        ${draft.endpoint && !endpoints.some((endpoint) => endpoint.id === draft.endpoint) ? html`<option value=${draft.endpoint}>${draft.endpoint}</option>` : null}
      </select>
    </div>
    <div class="field">
      <label for="filter-event">Event type</label>
      <select id="filter-event" value=${draft.event} onChange=${set('event')}>
        <option value="">all</option>
        ${eventTypes.map((name) => html`<option key=${name} value=${name}>${name}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="filter-since">Since</label>
      <input id="filter-since" type="datetime-local" value=${draft.since} onInput=${set('since')} />
    </div>
    <div class="field">
      <label for="filter-until">Until</label>
      <input id="filter-until" type="datetime-local" value=${draft.until} onInput=${set('until')} />
    </div>
    <div class="actions">
      <button type="submit">Apply filters</button>
      <a href="#/deliveries">Clear</a>
    </div>
  </form>`;
}

function toDraft(filters: DeliveryFilters) {
  return {
    status: filters.status ?? '',
    endpoint: filters.endpoint ?? '',
    event: filters.event ?? '',
    eventId: filters.eventId ?? '',
    since: filters.since ? isoToLocalInput(filters.since) : '',
    until: filters.until ? isoToLocalInput(filters.until) : '',
  };
}
