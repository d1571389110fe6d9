// The endpoint page's say over what each delivery carries: the data fields it leaves out
// (redaction) and the custom headers it adds, whose values the page never shows in full.
import { useState } from 'preact/hooks';
import { ApiRequestError } from '../api';
import { asRedactFields } from '../api-types';
import { errorText, html, Notice, useAction, useLoad } from '../components/ui';
import { headersPatch, MAX_CUSTOM_HEADERS } from '../custom-headers';
import { redactableFields, redactSelection } from '../redact';
import { byId, type EndpointPanelProps, loadEventTypes } from './shared';

/** A 400 about `field` (or inside it) as the field's error; anything else goes to the action's notice. */
function refusalOf(error: unknown, field: string): string {
  const detail = error instanceof ApiRequestError ? error.detailsUnder(field) : undefined;
  if (!detail) throw error;
  return detail;
}

export function RedactEditor({ api, endpoint, onChange }: EndpointPanelProps) {
  const eventTypes = useLoad(() => loadEventTypes(api), 'event-types');
  const [ticked, setTicked] = useState<ReadonlySet<string>>(() => new Set(endpoint.redact ?? []));
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const fields = eventTypes.data ? redactableFields(eventTypes.data, endpoint.events, endpoint.redact) : undefined;
  const severalTypes = endpoint.events.includes('*') || endpoint.events.length > 1;

  const save = useAction(async () => {
    if (!fields) return;
    setFieldError(undefined);
    try {
      // [] removes the list.
      const updated = await api.patch('/v1/endpoints/{id}', { params: byId(endpoint.id), body: { redact: asRedactFields(redactSelection(fields, ticked)) } });
      onChange?.(updated);
      setTicked(new Set(updated.redact ?? []));
      return updated.redact?.length ? `Redacted fields saved: ${updated.redact.join(', ')}.` : 'No fields redacted: deliveries carry every field.';
    } catch (error) {
      setFieldError(refusalOf(error, 'redact'));
    }
  });
  const toggle = (name: string, checked: boolean) => {
    const next = new Set(ticked);
    if (checked) next.add(name);
    else next.delete(name);
    setTicked(next);
    setFieldError(undefined);
  };
  const changed = [...ticked].sort().join() !== [...(endpoint.redact ?? [])].sort().join();

  return html`<form class="panel" aria-labelledby="redact-title" onSubmit=${(event: Event) => {
    event.preventDefault();
    void save.run();
  }}>
    <h2 id="redact-title">Redacted fields</h2>
    <p class="muted" id="redact-hint">Ticked fields are removed from the event's <code>data</code> before the body is signed and sent: your receiver never gets them. Fields marked <span class="tag tag-personal">personal data</span> hold personal data under the GDPR.</p>
    ${eventTypes.error ? html`<${Notice} kind="error">${errorText(eventTypes.error)}<//>` : null}
    ${fields
      ? html`<fieldset class="events field-grid" aria-describedby=${fieldError ? 'redact-error redact-hint' : 'redact-hint'}>
          <legend class="visually-hidden">Fields to remove</legend>
          ${fields.map(
            (field) => html`<label class="check" key=${field.name}>
              <input type="checkbox" name="redact" value=${field.name} checked=${ticked.has(field.name)}
                onChange=${(event: Event) => toggle(field.name, (event.currentTarget as HTMLInputElement).checked)} />
              <span><code>${field.name}</code>${field.personalData ? html` <span class="tag tag-personal">personal data</span>` : null}${severalTypes && field.eventTypes.length > 0
                ? html` <span class="muted small">${field.eventTypes.join(', ')}</span>`
                : null}</span>
            </label>`,
          )}
          ${fieldError ? html`<p class="field-error" id="redact-error">${fieldError}</p>` : null}
        </fieldset>`
      : eventTypes.loading
        ? html`<p class="muted" role="status">Loading fields…</p>`
        : null}
    <p class="actions"><button type="submit" disabled=${save.busy || !fields || !changed}>Save redacted fields</button></p>
    ${save.message ? html`<${Notice} kind=${save.message.kind}>${save.message.text}<//>` : null}
  </form>`;
}

export function HeadersEditor({ api, endpoint, onChange }: EndpointPanelProps) {
  const stored = Object.entries(endpoint.headers ?? {});
  const [removed, setRemoved] = useState<readonly string[]>([]);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [fieldError, setFieldError] = useState<{ text: string; field?: 'name' | 'value' | undefined } | undefined>(undefined);
  /** What is typed into a field goes to its state and clears the field's error. */
  const typedInto = (set: (value: string) => void) => (event: Event) => {
    set((event.currentTarget as HTMLInputElement).value);
    setFieldError(undefined);
  };

  const save = useAction(async () => {
    const result = headersPatch(
      stored.map(([header]) => header),
      { removed, name, value },
    );
    if (result.error !== undefined) {
      setFieldError({ text: result.error, field: result.field });
      return;
    }
    setFieldError(undefined);
    try {
      const updated = await api.patch('/v1/endpoints/{id}', { params: byId(endpoint.id), body: { headers: result.patch } });
      onChange?.(updated);
      // The page keeps no value once it is saved: the API shows it masked from now on.
      setRemoved([]);
      setName('');
      setValue('');
      return 'Custom headers saved.';
    } catch (error) {
      setFieldError({ text: refusalOf(error, 'headers') });
    }
  });
  const changed = removed.length > 0 || name.trim() !== '' || value.trim() !== '';
  const invalid = (field: 'name' | 'value') => (fieldError && (fieldError.field === undefined || fieldError.field === field) ? 'true' : 'false');
  const describedBy = fieldError ? 'headers-error headers-hint' : 'headers-hint';

  return html`<form class="panel" aria-labelledby="headers-title" novalidate autocomplete="off" onSubmit=${(event: Event) => {
    event.preventDefault();
    void save.run();
  }}>
    <h2 id="headers-title">Custom headers</h2>
    <p class="muted">Sent with every attempt, e.g. an <code>Authorization</code> header your gateway asks for. Values are kept secret: this page shows them masked, never in full.</p>
    ${stored.length === 0
      ? html`<p class="muted small">No custom headers.</p>`
      : html`<ul class="header-list" aria-label="Stored headers">
          ${stored.map(([header, masked]) => {
            const dropped = removed.includes(header);
            return html`<li key=${header} class=${dropped ? 'header-removed' : undefined}>
              <code class="header-name">${header}</code> <code class="header-value" aria-label="value, masked">${masked}</code>
              ${dropped
                ? html`<span class="small muted">removed when you save</span>
                    <button type="button" class="button-secondary button-small" aria-label=${`Keep ${header}`} onClick=${() => setRemoved(removed.filter((entry) => entry !== header))}>Keep</button>`
                : html`<button type="button" class="button-secondary button-small" aria-label=${`Remove ${header}`} onClick=${() => setRemoved([...removed, header])}>Remove</button>`}
            </li>`;
          })}
        </ul>`}
    <div class="inline-fields">
      <div class="field">
        <label for="header-name">Header name</label>
        <input id="header-name" name="headerName" autocomplete="off" spellcheck="false" placeholder="Authorization" value=${name}
          onInput=${typedInto(setName)}
          aria-invalid=${invalid('name')} aria-describedby=${describedBy} />
      </div>
      <div class="field">
        <label for="header-value">Value</label>
        <input id="header-value" name="headerValue" type="password" autocomplete="off" spellcheck="false" value=${value}
          onInput=${typedInto(setValue)}
          aria-invalid=${invalid('value')} aria-describedby=${describedBy} />
      </div>
    </div>
    ${fieldError ? html`<p class="field-error" id="headers-error">${fieldError.text}</p>` : null}
    <p class="hint" id="headers-hint">
      Up to ${MAX_CUSTOM_HEADERS} headers; a name already listed gets the new value. Names are HTTP tokens other than X-GeoRedir-*, webhook-*, Host,
      Content-Type, Content-Length, User-Agent and hop-by-hop headers; values at most 1,024 bytes of visible ASCII.
    </p>
    <p class="actions"><button type="submit" disabled=${save.busy || !changed}>Save headers</button></p>
    ${save.message ? html`<${Notice} kind=${save.message.kind}>${save.message.text}<//>` : null}
  </form>`;
}
