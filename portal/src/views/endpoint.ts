// One endpoint: its health, events, filter, redacted fields, custom headers, rate limit, secret, a
// test send, recovery, its last 24 hours, and delete.
import { useState } from 'preact/hooks';
import { ApiRequestError } from '../api';
import { asEventChoices, type Endpoint, type EventChoice, type EventName, type RecoverResult, type TestResult } from '../api-types';
import { CoverageNote, useCountsCoverage } from '../components/catch-up';
import { EventsFieldset } from '../components/events-fieldset';
import { HourlyChart } from '../components/hourly-chart';
import { RateLimitField } from '../components/rate-limit-field';
import { ConfirmDialog, errorText, html, Notice, StatusBadge, Time, useAction, useLoad } from '../components/ui';
import { isBehind } from '../counts-coverage';
import { filterSummary } from '../filter';
import { attemptResult, extraErrorMessage, filteredText, formatLatency, formatPercent, formatTime, isoToLocalInput, localInputToIso, successRate } from '../format';
import { hourlySeries } from '../hourly';
import { parseRateLimit, rateLimitLabel, rateLimitText } from '../rate-limit';
import { redactLabel } from '../redact';
import { routeHash } from '../routes';
import { FilterEditor } from './endpoint-filter';
import { HeadersEditor, RedactEditor } from './endpoint-payload';
import { SecretPanel } from './endpoint-secret';
import { byId, type EndpointPanelProps, eventsLabel, loadEventTypes, loadHourly, type PageProps } from './shared';

export function EndpointPage({ api, id, readOnly }: PageProps & { id: string }) {
  const loaded = useLoad(() => api.get('/v1/endpoints/{id}', { params: byId(id) }), `endpoint:${id}`);
  const [endpoint, setEndpoint] = useState<Endpoint | undefined>(undefined);
  const current = endpoint?.id === id ? endpoint : loaded.data;

  return html`<section aria-labelledby="page-title">
    <p class="breadcrumb"><a href="#/endpoints">Endpoints</a></p>
    <h1 id="page-title" tabindex="-1">${current ? html`<span class="url">${current.url}</span>` : 'Endpoint'}</h1>
    ${loaded.error ? html`<${Notice} kind="error">${errorText(loaded.error)}<//>` : null}
    ${!current && loaded.loading ? html`<p class="muted" role="status">Loading…</p>` : null}
    ${current
      ? html`
          <${Overview} api=${api} endpoint=${current} onChange=${setEndpoint} readOnly=${readOnly} />
          ${readOnly
            ? null
            : html`<${EventsEditor} api=${api} endpoint=${current} onChange=${setEndpoint} />
                <${FilterEditor} key=${`filter:${current.id}`} api=${api} endpoint=${current} onChange=${setEndpoint} />
                <${RedactEditor} key=${`redact:${current.id}`} api=${api} endpoint=${current} onChange=${setEndpoint} />
                <${HeadersEditor} key=${`headers:${current.id}`} api=${api} endpoint=${current} onChange=${setEndpoint} />
                <${RateLimitEditor} api=${api} endpoint=${current} onChange=${setEndpoint} />`}
          <${SecretPanel} key=${`secret:${current.id}`} api=${api} endpoint=${current} onChange=${setEndpoint} readOnly=${readOnly} />
          ${readOnly ? null : html`<${TestPanel} api=${api} endpoint=${current} />`}
          <${ActivityPanel} api=${api} endpoint=${current} />
          ${readOnly ? null : html`<${RecoverPanel} api=${api} endpoint=${current} /><${DeletePanel} api=${api} endpoint=${current} />`}`
      : null}
  </section>`;
}

type PanelProps = EndpointPanelProps;

function Overview({ api, endpoint, onChange, readOnly }: PanelProps) {
  const params = byId(endpoint.id);
  const action = useAction(async () => {
    if (endpoint.status === 'active') {
      onChange?.(await api.patch('/v1/endpoints/{id}', { params, body: { status: 'disabled' } }));
      return 'Endpoint disabled: its events are logged as skipped until you enable it.';
    }
    onChange?.(await api.post('/v1/endpoints/{id}/enable', { params }));
    return 'Endpoint enabled; its failure count starts again at 0.';
  });
  return html`<div class="panel" aria-labelledby="overview-title">
    <h2 id="overview-title">Status</h2>
    <dl class="facts">
      <div><dt>Status</dt><dd><${StatusBadge} status=${endpoint.status} /></dd></div>
      ${endpoint.status === 'disabled'
        ? html`<div><dt>Disabled</dt><dd>${endpoint.disabledReason ?? 'by you'}${endpoint.disabledAt ? html` · <${Time} iso=${endpoint.disabledAt} />` : null}</dd></div>`
        : null}
      <div><dt>Failures in a row</dt><dd>${endpoint.consecutiveFailures} <span class="muted small">(10 disable it)</span></dd></div>
      <div><dt>Last success</dt><dd><${Time} iso=${endpoint.lastSuccessAt} /></dd></div>
      <div><dt>Last failure</dt><dd><${Time} iso=${endpoint.lastFailureAt} /></dd></div>
      <div><dt>Events</dt><dd>${eventsLabel(endpoint.events)}</dd></div>
      <div><dt>Filter</dt><dd>${filterSummary(endpoint.filter) ? html`<code>${filterSummary(endpoint.filter)}</code>` : 'None: every event of its types'}</dd></div>
      <div><dt>Redacted fields</dt><dd>${redactLabel(endpoint.redact)}</dd></div>
      <div><dt>Custom headers</dt><dd>${endpoint.headers && Object.keys(endpoint.headers).length > 0 ? Object.keys(endpoint.headers).join(', ') : 'None'}</dd></div>
      <div><dt>Rate limit</dt><dd>${rateLimitLabel(endpoint.rateLimit)}</dd></div>
      ${endpoint.secretActivatesAt ? html`<div><dt>Secret switch</dt><dd>new secret from <${Time} iso=${endpoint.secretActivatesAt} /></dd></div>` : null}
      ${endpoint.description ? html`<div><dt>Description</dt><dd>${endpoint.description}</dd></div>` : null}
      <div><dt>ID</dt><dd><code>${endpoint.id}</code></dd></div>
      <div><dt>Created</dt><dd><${Time} iso=${endpoint.createdAt} /></dd></div>
    </dl>
    <p class="actions">
      ${readOnly
        ? null
        : html`<button type="button" class=${endpoint.status === 'active' ? 'button-secondary' : ''} disabled=${action.busy} onClick=${() => action.run()}>
            ${endpoint.status === 'active' ? 'Disable endpoint' : 'Enable endpoint'}
          </button>`}
      <a href=${routeHash({ page: 'deliveries', filters: { endpoint: endpoint.id } })}>Delivery log of this endpoint</a>
    </p>
    ${action.message ? html`<${Notice} kind=${action.message.kind}>${action.message.text}<//>` : null}
  </div>`;
}

function EventsEditor({ api, endpoint, onChange }: PanelProps) {
  const eventTypes = useLoad(() => loadEventTypes(api), 'event-types');
  const [events, setEvents] = useState<EventChoice[]>(() => asEventChoices(endpoint.events));
  const save = useAction(async () => {
    if (events.length === 0) throw new Error('Choose at least one event type.');
    onChange?.(await api.patch('/v1/endpoints/{id}', { params: byId(endpoint.id), body: { events } }));
    return 'Events saved.';
  });
  const changed = [...events].sort().join() !== [...endpoint.events].sort().join();
  return html`<form class="panel" aria-labelledby="events-title" onSubmit=${(event: Event) => {
    event.preventDefault();
    void save.run();
  }}>
    <h2 id="events-title">Events</h2>
    ${eventTypes.data ? html`<${EventsFieldset} eventTypes=${eventTypes.data} selected=${events} onChange=${setEvents} idPrefix="edit" legendHidden=${true} />` : html`<p class="muted" role="status">Loading event types…</p>`}
    <p class="actions"><button type="submit" disabled=${save.busy || !changed}>Save events</button></p>
    ${save.message ? html`<${Notice} kind=${save.message.kind}>${save.message.text}<//>` : null}
  </form>`;
}

function RateLimitEditor({ api, endpoint, onChange }: PanelProps) {
  const [text, setText] = useState(rateLimitText(endpoint.rateLimit));
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const save = useAction(async () => {
    const limit = parseRateLimit(text);
    if (limit.error !== undefined) {
      setFieldError(limit.error);
      return;
    }
    setFieldError(undefined);
    try {
      // null removes the limit.
      const updated = await api.patch('/v1/endpoints/{id}', { params: byId(endpoint.id), body: { rateLimit: limit.value } });
      onChange?.(updated);
      setText(rateLimitText(updated.rateLimit));
      return updated.rateLimit === undefined ? 'Rate limit removed.' : `Rate limit saved: ${rateLimitLabel(updated.rateLimit)}.`;
    } catch (error) {
      const detail = error instanceof ApiRequestError ? error.detailFor('rateLimit') : undefined;
      if (!detail) throw error;
      setFieldError(detail);
    }
  });
  const parsed = parseRateLimit(text);
  const changed = parsed.error !== undefined || (parsed.value ?? undefined) !== endpoint.rateLimit;
  return html`<form class="panel" aria-labelledby="rate-limit-title" novalidate onSubmit=${(event: Event) => {
    event.preventDefault();
    void save.run();
  }}>
    <h2 id="rate-limit-title">Rate limit</h2>
    <${RateLimitField} idPrefix="edit" value=${text} onInput=${(value: string) => {
      setText(value);
      setFieldError(undefined);
    }} error=${fieldError} />
    <p class="actions"><button type="submit" disabled=${save.busy || !changed}>Save rate limit</button></p>
    ${save.message ? html`<${Notice} kind=${save.message.kind}>${save.message.text}<//>` : null}
  </form>`;
}

function TestPanel({ api, endpoint }: PanelProps) {
  const eventTypes = useLoad(() => loadEventTypes(api), 'event-types');
  const subscribed: readonly EventName[] = endpoint.events.includes('*')
    ? (eventTypes.data ?? []).map((type) => type.name)
    : asEventChoices(endpoint.events).filter((name): name is EventName => name !== '*');
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const eventType = subscribed.find((name) => name === chosen) ?? subscribed[0];
  const [result, setResult] = useState<TestResult | undefined>(undefined);
  const send = useAction(async () => {
    setResult(undefined);
    setResult(await api.post('/v1/endpoints/{id}/test', { params: byId(endpoint.id), body: eventType ? { event: eventType } : {} }));
  });
  return html`<form class="panel" aria-labelledby="test-title" onSubmit=${(event: Event) => {
    event.preventDefault();
    void send.run();
  }}>
    <h2 id="test-title">Send a test event</h2>
    <p class="muted">A sample event, signed like any delivery and marked <code>X-GeoRedir-Test: true</code>. It is never retried.</p>
    <div class="inline-fields">
      <div class="field">
        <label for="test-event">Event type</label>
        <select id="test-event" value=${eventType} onChange=${(event: Event) => setChosen((event.currentTarget as HTMLSelectElement).value)}>
          ${subscribed.map((name) => html`<option key=${name} value=${name}>${name}</option>`)}
        </select>
      </div>
      <button type="submit" disabled=${send.busy}>${send.busy ? 'Sending…' : 'Send test event'}</button>
    </div>
    ${send.message ? html`<${Notice} kind=${send.message.kind}>${send.message.text}<//>` : null}
    ${result
      ? html`<div class=${`test-result ${result.succeeded ? 'test-ok' : 'test-failed'}`} role="status" aria-live="polite">
          <p><strong>${result.succeeded ? 'Delivered' : 'Failed'}</strong>: ${attemptResult(result)}${extraErrorMessage(result) ? html` <span class="muted">(${extraErrorMessage(result)})</span>` : null} in ${formatLatency(result.latencyMs)}</p>
          ${result.responseExcerpt ? html`<p class="small muted">Response</p><pre class="excerpt">${result.responseExcerpt}</pre>` : html`<p class="small muted">Empty response body</p>`}
        </div>`
      : null}
  </form>`;
}

function ActivityPanel({ api, endpoint }: PanelProps) {
  const hourly = useLoad(() => loadHourly(api, endpoint.id), `hourly:${endpoint.id}`);
  const series = hourly.data ? hourlySeries(hourly.data, [endpoint.id]).get(endpoint.id) : undefined;
  const rate = hourly.data ? successRate(hourly.data.data.filter((count) => count.endpointId === endpoint.id)) : undefined;
  // The Status panel shows the endpoint's last success and failure: no rate the counts contradict them with.
  const coverage = useCountsCoverage([endpoint], hourly).get(endpoint.id);
  const filtered = filteredText(hourly.data?.summary.find((summary) => summary.endpointId === endpoint.id)?.filtered);
  return html`<div class="panel" aria-labelledby="activity-title">
    <h2 id="activity-title">Last 24 hours</h2>
    ${hourly.error ? html`<${Notice} kind="error">${errorText(hourly.error)}<//>` : null}
    ${isBehind(coverage)
      ? html`<${CoverageNote} coverage=${coverage} />`
      : rate?.percent !== undefined
        ? html`<p>Success rate: <strong>${formatPercent(rate.percent)}</strong> of ${rate.attempts} attempts</p>`
        : null}
    ${filtered ? html`<p class="small muted" id="activity-filtered">${filtered} (not delivered).</p>` : null}
    ${series ? html`<${HourlyChart} series=${series} label=${`Deliveries to ${endpoint.url}`} />` : hourly.loading ? html`<p class="muted" role="status">Loading…</p>` : null}
  </div>`;
}

function RecoverPanel({ api, endpoint }: PanelProps) {
  const [since, setSince] = useState(() => isoToLocalInput(new Date(Date.now() - 3_600_000).toISOString()));
  const [result, setResult] = useState<RecoverResult | undefined>(undefined);
  const recover = useAction(async () => {
    const iso = localInputToIso(since);
    if (!iso) throw new Error('Choose the time to recover from.');
    const answer = await api.post('/v1/endpoints/{id}/recover', { params: byId(endpoint.id), body: { since: iso } });
    setResult(answer);
    const count = answer.redelivered.length;
    return `${count === 0 ? 'Nothing to redeliver' : `${count} ${count === 1 ? 'delivery' : 'deliveries'} queued again`} since ${formatTime(answer.since)}.${answer.truncated ? ' More remain: recover again.' : ''}`;
  });
  return html`<form class="panel" aria-labelledby="recover-title" onSubmit=${(event: Event) => {
    event.preventDefault();
    void recover.run();
  }}>
    <h2 id="recover-title">Recover failed deliveries</h2>
    <p class="muted">Sends every failed or skipped delivery of this endpoint since a time again, oldest first, with the same delivery ids.</p>
    <div class="inline-fields">
      <div class="field">
        <label for="recover-since">Since (your time)</label>
        <input id="recover-since" type="datetime-local" value=${since} onInput=${(event: Event) => setSince((event.currentTarget as HTMLInputElement).value)} />
      </div>
      <button type="submit" disabled=${recover.busy || endpoint.status !== 'active'}>Recover</button>
    </div>
    ${endpoint.status !== 'active' ? html`<p class="hint">Enable the endpoint first.</p>` : null}
    ${recover.message ? html`<${Notice} kind=${recover.message.kind}>${recover.message.text}<//>` : null}
    ${result && result.redelivered.length > 0
      ? html`<ul class="small">${result.redelivered.slice(0, 20).map((deliveryId) => html`<li key=${deliveryId}><a href=${`#/deliveries/${deliveryId}`}><code>${deliveryId}</code></a></li>`)}</ul>`
      : null}
  </form>`;
}

function DeletePanel({ api, endpoint }: PanelProps) {
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(async () => {
    setConfirming(false);
    await api.delete('/v1/endpoints/{id}', { params: byId(endpoint.id) });
    location.hash = routeHash({ page: 'endpoints' });
  });
  return html`<div class="panel panel-danger" aria-labelledby="delete-title">
    <h2 id="delete-title">Delete endpoint</h2>
    <p class="muted">Stops all deliveries to it and drops its pending retries. Its delivery log stays readable until it expires.</p>
    <p class="actions"><button type="button" class="button-danger" disabled=${remove.busy} onClick=${() => setConfirming(true)}>Delete endpoint</button></p>
    ${remove.message ? html`<${Notice} kind=${remove.message.kind}>${remove.message.text}<//>` : null}
    <${ConfirmDialog} open=${confirming} danger=${true} title="Delete this endpoint?" confirmLabel="Delete" onConfirm=${() => remove.run()} onCancel=${() => setConfirming(false)}>
      <p><code class="url">${endpoint.url}</code> will get no more webhooks. This cannot be undone.</p>
    <//>
  </div>`;
}
