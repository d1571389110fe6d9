// Every endpoint's last 24 hours side by side: a failing endpoint stands out in a picture faster
// than in a table.
import { CoverageNote, useCountsCoverage } from '../components/catch-up';
import { HourlyChart } from '../components/hourly-chart';
import { errorText, html, Notice, StatusBadge, useLoad } from '../components/ui';
import { isBehind } from '../counts-coverage';
import { filteredText, formatPercent, successRate } from '../format';
import { hourlySeries } from '../hourly';
import { loadEndpoints, loadHourly, type PageProps } from './shared';

export function ActivityPage({ api }: PageProps) {
  const loaded = useLoad(async () => {
    const [endpoints, hourly] = await Promise.all([loadEndpoints(api), loadHourly(api)]);
    return { endpoints, hourly };
  }, 'activity');
  const data = loaded.data;
  const series = data ? hourlySeries(data.hourly, data.endpoints.map((endpoint) => endpoint.id)) : undefined;
  // Each panel links to the endpoint's page, which shows its last success and failure: no rate the counts contradict them with.
  const coverage = useCountsCoverage(data?.endpoints, { ...loaded, data: data?.hourly });
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title" tabindex="-1">Last 24 hours</h1>
      <button type="button" class="button-secondary" onClick=${() => loaded.reload()} disabled=${loaded.loading}>Refresh</button>
    </div>
    <p class="muted">Deliveries per hour and endpoint, by how they ended: <span class="key key-succeeded">succeeded</span> <span class="key key-failed">failed</span> (after every retry) <span class="key key-skipped">skipped</span> (endpoint disabled).</p>
    ${loaded.error ? html`<${Notice} kind="error">${errorText(loaded.error)}<//>` : null}
    ${!data && loaded.loading ? html`<p class="muted" role="status">Loading…</p>` : null}
    ${data && data.endpoints.length === 0 ? html`<div class="empty"><p>No endpoints yet.</p></div>` : null}
    ${data && series
      ? data.endpoints.map((endpoint) => {
          const rate = successRate(data.hourly.data.filter((count) => count.endpointId === endpoint.id));
          const behind = coverage.get(endpoint.id);
          const filtered = filteredText(data.hourly.summary.find((summary) => summary.endpointId === endpoint.id)?.filtered);
          return html`<article class="panel" key=${endpoint.id} aria-labelledby=${`activity-${endpoint.id}`}>
            <h2 id=${`activity-${endpoint.id}`}><a href=${`#/endpoints/${endpoint.id}`}><span class="url">${endpoint.url}</span></a> <${StatusBadge} status=${endpoint.status} /></h2>
            ${isBehind(behind)
              ? html`<${CoverageNote} coverage=${behind} />`
              : html`<p class="muted small">${rate.percent === undefined ? 'No attempts' : `${formatPercent(rate.percent)} of ${rate.attempts} attempts succeeded`}${filtered ? ` · ${filtered}` : ''}</p>`}
            <${HourlyChart} series=${series.get(endpoint.id)!} label=${`Deliveries to ${endpoint.url}`} />
          </article>`;
        })
      : null}
  </section>`;
}
