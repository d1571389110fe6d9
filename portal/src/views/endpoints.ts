// The account's endpoints: status and the success rate of the last 24 hours.
import type { Endpoint, HourlyStats } from '../api-types';
import { formatPercent } from '../format';
import { html, Notice, StatusBadge, Time, errorText, useLoad } from '../components/ui';
import { eventsLabel, loadEndpoints, loadHourly, type PageProps, shortUrl } from './shared';

export function EndpointsPage({ api }: PageProps) {
  const loaded = useLoad(async () => {
    const [endpoints, hourly] = await Promise.all([loadEndpoints(api), loadHourly(api).catch(() => undefined)]);
    return { endpoints, hourly };
  }, 'endpoints');
  const endpoints = loaded.data?.endpoints;
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title" tabindex="-1">Endpoints</h1>
      <a class="button" href="#/endpoints/new">Add endpoint</a>
    </div>
    ${loaded.error ? html`<${Notice} kind="error">${errorText(loaded.error)}<//>` : null}
    ${loaded.loading && !endpoints ? html`<p class="muted" role="status">Loading…</p>` : null}
    ${endpoints && endpoints.length === 0
      ? html`<div class="empty"><p>No endpoints yet. Add the URL where GeoRedir should send your webhooks.</p></div>`
      : null}
    ${endpoints && endpoints.length > 0
      ? html`<div class="table-scroll">
          <table class="list">
            <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Success (24 h)</th><th scope="col">Last success</th></tr></thead>
            <tbody>${endpoints.map((endpoint) => html`<${EndpointRow} key=${endpoint.id} endpoint=${endpoint} hourly=${loaded.data?.hourly} />`)}</tbody>
          </table>
        </div>`
      : null}
  </section>`;
}

function EndpointRow({ endpoint, hourly }: { endpoint: Endpoint; hourly: HourlyStats | undefined }) {
  const summary = hourly?.summary.find((entry) => entry.endpointId === endpoint.id);
  return html`<tr>
    <td data-label="URL">
      <a href=${`#/endpoints/${endpoint.id}`} title=${endpoint.url}><span class="url">${shortUrl(endpoint.url)}</span></a>
      ${endpoint.description ? html`<div class="muted small">${endpoint.description}</div>` : null}
    </td>
    <td data-label="Events">${eventsLabel(endpoint.events)}</td>
    <td data-label="Status"><${StatusBadge} status=${endpoint.status} />${endpoint.status === 'disabled' && endpoint.disabledReason ? html`<div class="muted small">${endpoint.disabledReason}</div>` : null}</td>
    <td data-label="Success (24 h)">${!summary
      ? '—'
      : summary.successRate === null
        ? html`<span class="muted">no attempts</span>`
        : html`<span title=${`${summary.succeeded} succeeded, ${summary.failedAttempts} failed attempts, ${summary.failed} failed for good, ${summary.skipped} skipped`}>${formatPercent(summary.successRate * 100)}</span>
            <span class="muted small">of ${summary.succeeded + summary.failedAttempts} attempts</span>`}</td>
    <td data-label="Last success"><${Time} iso=${endpoint.lastSuccessAt} /></td>
  </tr>`;
}
