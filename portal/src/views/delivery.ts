// One delivery: what was sent (payload and headers), every attempt, and redelivery. While it is
// pending the page polls, so a redelivery's outcome shows up without a reload.
import { useEffect, useState } from 'preact/hooks';
import type { Attempt, Delivery } from '../api-types';
import { errorText, html, Notice, StatusBadge, Time, useAction, useLoad } from '../components/ui';
import { attemptHeaders } from '../delivery-headers';
import { attemptResult, extraErrorMessage, formatLatency, prettyJson } from '../format';
import { routeHash } from '../routes';
import { byId, type PageProps, shortUrl } from './shared';

const POLL_MS = 1500;
/** Stop polling after this long; the Refresh button is still there. */
const POLL_LIMIT_MS = 120_000;

export function DeliveryPage({ api, id, userAgent, readOnly }: PageProps & { id: string }) {
  const params = byId(id);
  const loaded = useLoad(() => api.get('/v1/deliveries/{id}', { params }), `delivery:${id}`);
  const endpoint = useLoad(
    async () => (loaded.data ? api.get('/v1/endpoints/{id}', { params: byId(loaded.data.endpointId) }).catch(() => undefined) : undefined),
    `delivery-endpoint:${loaded.data?.endpointId ?? ''}`,
  );
  const [pollingSince, setPollingSince] = useState<number | undefined>(undefined);
  const delivery = loaded.data;

  useEffect(() => {
    if (!delivery || delivery.status !== 'pending' || loaded.loading) return;
    const started = pollingSince ?? Date.now();
    if (pollingSince === undefined) setPollingSince(started);
    if (Date.now() - started > POLL_LIMIT_MS) return;
    const timer = setTimeout(() => loaded.reload(), POLL_MS);
    return () => clearTimeout(timer);
  }, [delivery, loaded.loading]);

  const redeliver = useAction(async () => {
    const accepted = await api.post('/v1/deliveries/{id}/redeliver', { params });
    setPollingSince(Date.now());
    loaded.reload();
    return `Queued: attempt ${accepted.attempt} will be sent in a moment.`;
  });

  return html`<section aria-labelledby="page-title">
    <p class="breadcrumb"><a href="#/deliveries">Delivery log</a></p>
    <div class="page-head">
      <h1 id="page-title" tabindex="-1">Delivery <code class="mono">${id}</code></h1>
      <button type="button" class="button-secondary" onClick=${() => loaded.reload()} disabled=${loaded.loading}>Refresh</button>
    </div>
    ${loaded.error ? html`<${Notice} kind="error">${errorText(loaded.error)}<//>` : null}
    ${!delivery && loaded.loading ? html`<p class="muted" role="status">Loading…</p>` : null}
    ${delivery
      ? html`
          <div class="panel" aria-labelledby="delivery-summary">
            <h2 id="delivery-summary" class="visually-hidden">Summary</h2>
            <dl class="facts">
              <div><dt>Status</dt><dd><${StatusBadge} status=${delivery.status} />${delivery.test ? html` <span class="badge">test</span>` : null}${delivery.reason ? html` <span class="muted">${delivery.reason}</span>` : null}</dd></div>
              <div><dt>Event</dt><dd><code>${delivery.eventType}</code> ${delivery.eventId ? html`<span class="mono small">${delivery.eventId}</span>` : html`<span class="muted small">first attempt under way</span>`}</dd></div>
              <div><dt>Endpoint</dt><dd><a href=${routeHash({ page: 'endpoint', id: delivery.endpointId })}>${endpoint.data ? html`<span class="url">${shortUrl(endpoint.data.url)}</span>` : html`<code>${delivery.endpointId}</code>`}</a></dd></div>
              <div><dt>Attempts</dt><dd>${delivery.attemptCount}</dd></div>
              <div><dt>Created</dt><dd><${Time} iso=${delivery.createdAt} /></dd></div>
              <div><dt>Updated</dt><dd><${Time} iso=${delivery.updatedAt} /></dd></div>
              ${delivery.nextAttemptAt ? html`<div><dt>Next attempt</dt><dd><${Time} iso=${delivery.nextAttemptAt} /></dd></div>` : null}
            </dl>
            ${readOnly
              ? null
              : html`<p class="actions">
              <button type="button" disabled=${redeliver.busy || delivery.status === 'pending' || delivery.test === true} onClick=${() => redeliver.run()}>Redeliver</button>
              ${delivery.status === 'pending' ? html`<span class="muted small">In progress: redeliver once it has finished.</span>` : null}
              ${delivery.test ? html`<span class="muted small">Test sends are not redelivered; send a new test instead.</span>` : null}
            </p>`}
            ${redeliver.message ? html`<${Notice} kind=${redeliver.message.kind}>${redeliver.message.text}<//>` : null}
          </div>
          <${Attempts} delivery=${delivery} />
          <${Sent} delivery=${delivery} userAgent=${userAgent} />`
      : null}
  </section>`;
}

function Attempts({ delivery }: { delivery: Delivery }) {
  const attempts = [...delivery.attempts].reverse();
  return html`<div class="panel" aria-labelledby="attempts-title">
    <h2 id="attempts-title">Attempts <span class="muted small">newest first</span></h2>
    ${attempts.length === 0 ? html`<p class="muted">No attempt yet${delivery.status === 'skipped' ? ': the endpoint was disabled when the event came' : ''}.</p>` : null}
    ${attempts.length > 0
      ? html`<div class="table-scroll">
          <table class="list attempts">
            <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Result</th><th scope="col">Latency</th><th scope="col">Response</th><th scope="col">Next retry</th></tr></thead>
            <tbody>${attempts.map((attempt) => html`<${AttemptRow} key=${attempt.attempt} attempt=${attempt} />`)}</tbody>
          </table>
        </div>`
      : null}
  </div>`;
}

function AttemptRow({ attempt }: { attempt: Attempt }) {
  return html`<tr class=${`attempt-${attempt.outcome}`}>
    <td data-label="#">${attempt.attempt}</td>
    <td data-label="Time"><${Time} iso=${attempt.attemptedAt} /></td>
    <td data-label="Result"><${StatusBadge} status=${attempt.outcome} /> ${attemptResult(attempt)}${extraErrorMessage(attempt) ? html`<div class="muted small">${extraErrorMessage(attempt)}</div>` : null}</td>
    <td data-label="Latency">${formatLatency(attempt.latencyMs)}</td>
    <td data-label="Response">${attempt.responseExcerpt ? html`<details><summary>${attempt.responseExcerpt.length} characters</summary><pre class="excerpt">${attempt.responseExcerpt}</pre></details>` : html`<span class="muted">—</span>`}</td>
    <td data-label="Next retry"><${Time} iso=${attempt.nextRetryAt} /></td>
  </tr>`;
}

function Sent({ delivery, userAgent }: { delivery: Delivery; userAgent: string }) {
  const sentAttempts = delivery.attempts.filter((attempt) => attempt.errorClass !== 'circuit_open');
  const [chosen, setChosen] = useState<number | undefined>(undefined);
  const attempt = sentAttempts.find((entry) => entry.attempt === chosen) ?? sentAttempts[sentAttempts.length - 1];
  return html`<div class="panel" aria-labelledby="sent-title">
    <h2 id="sent-title">What was sent</h2>
    <h3>Payload</h3>
    ${delivery.payload === undefined
      ? html`<p class="muted">${delivery.test ? 'Test sends carry the event type\u2019s sample data.' : 'The payload is no longer kept.'}</p>`
      : html`<pre class="payload" tabindex="0" aria-label="Payload, pretty-printed">${prettyJson(delivery.payload)}</pre>
          <p class="hint">Pretty-printed here; the body was sent as compact JSON (<code>JSON.stringify</code> of this object).</p>`}
    <h3>Headers</h3>
    ${attempt
      ? html`${sentAttempts.length > 1
            ? html`<div class="field-inline">
                <label for="headers-attempt">Of attempt</label>
                <select id="headers-attempt" value=${String(attempt.attempt)} onChange=${(event: Event) => setChosen(Number((event.currentTarget as HTMLSelectElement).value))}>
                  ${sentAttempts.map((entry) => html`<option key=${entry.attempt} value=${String(entry.attempt)}>${entry.attempt}</option>`)}
                </select>
              </div>`
            : null}
          <div class="table-scroll">
            <table class="headers">
              <caption class="visually-hidden">Headers of attempt ${attempt.attempt}</caption>
              <tbody>${attemptHeaders(delivery, attempt, userAgent).map(([name, value]) => html`<tr key=${name}><th scope="row"><code>${name}</code></th><td><code class=${value.startsWith('(') ? 'muted' : ''}>${value}</code></td></tr>`)}</tbody>
            </table>
          </div>`
      : html`<p class="muted">Nothing was sent yet.</p>`}
  </div>`;
}
