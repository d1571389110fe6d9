// Register an endpoint. The URL policy is the API's: its reason (https only, no private
// addresses, ...) is shown next to the field, as the API words it.
import { useState } from 'preact/hooks';
import { ApiRequestError } from '../api';
import type { CreatedEndpoint, EventChoice } from '../api-types';
import { EventsFieldset } from '../components/events-fieldset';
import { RateLimitField } from '../components/rate-limit-field';
import { CopyButton, errorText, html, Notice, useLoad } from '../components/ui';
import { parseRateLimit, rateLimitLabel } from '../rate-limit';
import { loadEventTypes, type PageProps } from './shared';

interface FieldErrors {
  url?: string;
  events?: string;
  description?: string;
  rateLimit?: string;
  form?: string;
}


/** How long the dispatchers may take to see a new endpoint or a subscription change (the API reference says the same). */
const ENDPOINT_LIST_REFRESH_SECONDS = 5;

export function NewEndpointPage({ api, readOnly }: PageProps) {
  const eventTypes = useLoad(() => loadEventTypes(api), 'event-types');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<EventChoice[]>([]);
  const [description, setDescription] = useState('');
  const [rateLimit, setRateLimit] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedEndpoint | undefined>(undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    const limit = parseRateLimit(rateLimit);
    const invalid: FieldErrors = {
      ...(events.length === 0 ? { events: 'Choose at least one event type.' } : {}),
      ...(limit.error === undefined ? {} : { rateLimit: limit.error }),
    };
    if (Object.keys(invalid).length > 0) {
      setErrors(invalid);
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      setCreated(
        await api.post('/v1/endpoints', {
          body: {
            url: url.trim(),
            events,
            ...(description.trim() ? { description: description.trim() } : {}),
            ...(limit.value == null ? {} : { rateLimit: limit.value }),
          },
        }),
      );
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  };

  // After every hook: a read link may open this page by its address, but never sees the form.
  if (readOnly) {
    return html`<section aria-labelledby="page-title">
      <h1 id="page-title" tabindex="-1">Add an endpoint</h1>
      <${Notice} kind="info">This is a read-only link: it cannot add endpoints. Ask for a link that may manage the account.<//>
      <p class="actions"><a href="#/endpoints">All endpoints</a></p>
    </section>`;
  }

  if (created) {
    return html`<section aria-labelledby="page-title">
      <h1 id="page-title" tabindex="-1">Endpoint added</h1>
      <${Notice} kind="success">GeoRedir now sends ${created.events.includes('*') ? 'every event' : created.events.join(', ')} to <code class="url">${created.url}</code>.<//>
      ${created.rateLimit === undefined ? null : html`<p>Rate limit: ${rateLimitLabel(created.rateLimit)}.</p>`}
      <p class="hint" id="new-endpoint-delay">Events published in the next ${ENDPOINT_LIST_REFRESH_SECONDS} seconds may not reach it yet: GeoRedir refreshes an account's endpoints every ${ENDPOINT_LIST_REFRESH_SECONDS} seconds. A test send from the endpoint's page goes out at once.</p>
      <h2>Signing secret</h2>
      <p>Verify every webhook with this secret (see the guide). You can reveal it again on the endpoint's page.</p>
      <p><code class="secret" id="created-secret">${created.secret}</code></p>
      <p class="actions"><${CopyButton} text=${created.secret} label="Copy secret" target=${() => document.getElementById('created-secret')} /></p>
      <p class="actions"><a class="button" href=${`#/endpoints/${created.id}`}>Go to the endpoint</a> <a href="#/endpoints">All endpoints</a></p>
    </section>`;
  }

  return html`<section aria-labelledby="page-title">
    <h1 id="page-title" tabindex="-1">Add an endpoint</h1>
    <form class="form" onSubmit=${submit} novalidate>
      ${errors.form ? html`<${Notice} kind="error">${errors.form}<//>` : null}
      <div class="field">
        <label for="endpoint-url">Endpoint URL</label>
        <input id="endpoint-url" name="url" type="url" inputmode="url" autocomplete="url" required placeholder="https://hooks.example.com/georedir"
          value=${url} onInput=${(event: Event) => setUrl((event.currentTarget as HTMLInputElement).value)}
          aria-invalid=${errors.url ? 'true' : 'false'} aria-describedby=${errors.url ? 'endpoint-url-error' : 'endpoint-url-hint'} />
        ${errors.url
          ? html`<p class="field-error" id="endpoint-url-error">${errors.url}</p>`
          : html`<p class="hint" id="endpoint-url-hint">An https:// address on the public internet that answers POST requests with a 2xx status.</p>`}
      </div>
      ${eventTypes.data
        ? html`<${EventsFieldset} eventTypes=${eventTypes.data} selected=${events} onChange=${setEvents} error=${errors.events} idPrefix="new" />`
        : eventTypes.error
          ? html`<${Notice} kind="error">${errorText(eventTypes.error)}<//>`
          : html`<p class="muted" role="status">Loading event types…</p>`}
      <div class="field">
        <label for="endpoint-description">Description <span class="muted">(optional)</span></label>
        <input id="endpoint-description" name="description" maxlength="500" value=${description}
          onInput=${(event: Event) => setDescription((event.currentTarget as HTMLInputElement).value)}
          aria-invalid=${errors.description ? 'true' : 'false'} aria-describedby=${errors.description ? 'endpoint-description-error' : undefined} />
        ${errors.description ? html`<p class="field-error" id="endpoint-description-error">${errors.description}</p>` : null}
      </div>
      <${RateLimitField} idPrefix="new" optional=${true} value=${rateLimit} onInput=${setRateLimit} error=${errors.rateLimit} />
      <div class="actions">
        <button type="submit" disabled=${busy}>${busy ? 'Adding…' : 'Add endpoint'}</button>
        <a href="#/endpoints">Cancel</a>
      </div>
    </form>
  </section>`;
}

/** The API's field details, placed next to their fields; anything else above the form. */
function fieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiRequestError)) return { form: errorText(error) };
  const result: FieldErrors = {};
  const url = error.detailFor('url');
  if (url) result.url = url;
  const events = error.details.find((detail) => detail.field.startsWith('events'))?.message;
  if (events) result.events = events;
  const description = error.detailFor('description');
  if (description) result.description = description;
  const rateLimit = error.detailFor('rateLimit');
  if (rateLimit) result.rateLimit = rateLimit;
  if (!url && !events && !description && !rateLimit) result.form = errorText(error);
  return result;
}
