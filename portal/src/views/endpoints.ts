// The account's endpoints: status and the success rate of the last 24 hours, or, while the counts
// do not hold an endpoint's last success or failure yet, that they are still arriving (asked for
// again until they do) rather than a figure its "Last success" contradicts.
import type { Endpoint, HourlyStats } from '../api-types';
import { useCountsCoverage } from '../components/catch-up';
import { type CountsCoverage, coverageLabel, coverageText, isBehind } from '../counts-coverage';
import { formatPercent } from '../format';
import { html, Notice, StatusBadge, Time, errorText, useLoad } from '../components/ui';
import { eventsLabel, loadEndpoints, loadHourly, type PageProps, shortUrl } from './shared';

export function EndpointsPage({ api, readOnly }: PageProps) {
  const loaded = useLoad(() => loadEndpoints(api), 'endpoints');
  // Counts that fail to load leave the column blank, not the page.
  const hourly = useLoad(() => loadHourly(api), 'hourly');
  const endpoints = loaded.data;
  const coverage = useCountsCoverage(endpoints, hourly);
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title" tabindex="-1">Endpoints</h1>
      ${readOnly ? null : html`<a class="button" href="#/endpoints/new">Add endpoint</a>`}
    </div>
    ${loaded.error ? html`<${Notice} kind="error">${errorText(loaded.error)}<//>` : null}
    ${loaded.loading && !endpoints ? html`<p class="muted" role="status">Loading…</p>` : null}
    ${endpoints && endpoints.length === 0
      ? html`<div class="empty"><p>No endpoints yet.${readOnly ? '' : ' Add the URL where GeoRedir should send your webhooks.'}</p></div>`
      : null}
    ${endpoints && endpoints.length > 0
      ? html`<div class="table-scroll">
          <table class="list">
            <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Success (24 h)</th><th scope="col">Last success</th></tr></thead>
            <tbody>${endpoints.map((endpoint) => html`<${EndpointRow} key=${endpoint.id} endpoint=${endpoint} hourly=${hourly.data} coverage=${coverage.get(endpoint.id)} />`)}</tbody>
          </table>
        </div>`
      : null}
  </section>`;
}

function EndpointRow({ endpoint, hourly, coverage }: { endpoint: Endpoint; hourly: HourlyStats | undefined; coverage: CountsCoverage | undefined }) {
  const summary = hourly?.summary.find((entry) => entry.endpointId === endpoint.id);
  return html`<tr>
    <td data-label="URL">
      <a href=${`#/endpoints/${endpoint.id}`} title=${endpoint.url}><span class="url">${shortUrl(endpoint.url)}</span></a>
      ${endpoint.description ? html`<div class="muted small">${endpoint.description}</div>` : null}
    </td>
    <td data-label="Events">${eventsLabel(endpoint.events)}</td>
    <td data-label="Status"><${StatusBadge} status=${endpoint.status} />${endpoint.status === 'disabled' && endpoint.disabledReason ? html`<div class="muted small">${endpoint.disabledReason}</div>` : null}</td>
    <td data-label="Success (24 h)">${successCell(summary, coverage)}${summary?.filtered ? html`<div class="muted small">${summary.filtered} filtered out</div>` : null}</td>
    <td data-label="Last success"><${Time} iso=${endpoint.lastSuccessAt} /></td>
  </tr>`;
}

function successCell(summary: HourlyStats['summary'][number] | undefined, coverage: CountsCoverage | undefined) {
  if (!summary) return '—';
  if (isBehind(coverage)) return html`<span class="muted" title=${coverageText(coverage)}>${coverageLabel(coverage)}</span>`;
  if (summary.successRate === null) return html`<span class="muted">no attempts</span>`;
  const attempts = summary.succeeded + summary.failedAttempts;
  const title = `${summary.succeeded} succeeded, ${summary.failedAttempts} failed attempts, ${summary.failed} failed for good, ${summary.skipped} skipped${summary.filtered ? `, ${summary.filtered} filtered out` : ''}`;
  return html`<span title=${title}>${formatPercent(summary.successRate * 100)}</span> <span class="muted small">of ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}</span>`;
}
