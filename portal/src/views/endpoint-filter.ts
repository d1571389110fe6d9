// The endpoint page's filter: an EventBridge event pattern over the event's data, tried on the
// account's recent events (POST /v1/filter-preview) before it is saved.
import { useState } from 'preact/hooks';
import { ApiRequestError } from '../api';
import { asEventChoices } from '../api-types';
import { html, Notice, useAction } from '../components/ui';
import { FILTER_EXAMPLE, type FilterInput, filterChanged, filterText, parseFilter, previewText } from '../filter';
import { byId, type EndpointPanelProps } from './shared';

const ID = 'edit-filter';
const NUMERIC_EXAMPLE = '{"revenue": [{"numeric": [">=", 100]}]}';

export function FilterEditor({ api, endpoint, onChange }: EndpointPanelProps) {
  const [text, setText] = useState(filterText(endpoint.filter));
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [preview, setPreview] = useState('');

  /** The field's pattern, or undefined once the field says why it cannot be sent. */
  const read = (): Exclude<FilterInput, { error: string }> | undefined => {
    const parsed = parseFilter(text);
    setFieldError(parsed.error);
    return parsed.error === undefined ? parsed : undefined;
  };
  /** The API's reason a pattern is refused goes next to the field; anything else to the notice. */
  const showRefusal = (error: unknown) => {
    const detail = error instanceof ApiRequestError ? error.detailsUnder('filter') : undefined;
    if (!detail) throw error;
    setFieldError(detail);
  };

  const save = useAction(async () => {
    const parsed = read();
    if (!parsed) return;
    try {
      // null removes the filter.
      const updated = await api.patch('/v1/endpoints/{id}', { params: byId(endpoint.id), body: { filter: parsed.value } });
      onChange?.(updated);
      setText(filterText(updated.filter));
      return updated.filter === undefined ? 'Filter removed: every event of its types is delivered.' : 'Filter saved: only the events it matches are delivered.';
    } catch (error) {
      showRefusal(error);
    }
  });
  const tryOut = useAction(async () => {
    setPreview('');
    const parsed = read();
    if (!parsed) return;
    if (parsed.value === null) {
      setPreview('No filter: every event of its types is delivered.');
      return;
    }
    try {
      setPreview(previewText(await api.post('/v1/filter-preview', { body: { filter: parsed.value, events: asEventChoices(endpoint.events) } })));
    } catch (error) {
      showRefusal(error);
    }
  });

  const describedBy = [fieldError ? `${ID}-error` : '', `${ID}-hint`].filter(Boolean).join(' ');
  return html`<form class="panel" aria-labelledby="filter-title" novalidate onSubmit=${(event: Event) => {
    event.preventDefault();
    void save.run();
  }}>
    <h2 id="filter-title">Filter</h2>
    <div class="field">
      <label for=${ID}>Event pattern (JSON) <span class="muted">(empty: every event of its types)</span></label>
      <textarea id=${ID} name="filter" class="code-input" rows="5" spellcheck="false" autocomplete="off" placeholder=${FILTER_EXAMPLE}
        value=${text} onInput=${(event: Event) => {
          setText((event.currentTarget as HTMLTextAreaElement).value);
          setFieldError(undefined);
          setPreview('');
        }}
        aria-invalid=${fieldError ? 'true' : 'false'} aria-describedby=${describedBy}></textarea>
      ${fieldError ? html`<p class="field-error" id=${`${ID}-error`}>${fieldError}</p>` : null}
      <div class="hint" id=${`${ID}-hint`}>
        <p>Only events whose <code>data</code> matches this Amazon EventBridge event pattern are delivered; the others make no delivery and are counted as filtered.
          For example <code>${FILTER_EXAMPLE}</code> takes unique clicks from the US and Canada, and <code>${NUMERIC_EXAMPLE}</code> conversions worth 100 or more.
          Besides exact values: prefix, suffix, anything-but, numeric, exists, equals-ignore-case and $or.</p>
        <p>Preview tries the pattern on your account's last 50 events of this endpoint's types (as they were delivered to any of your endpoints), without saving it.</p>
      </div>
    </div>
    <p class="actions">
      <button type="button" class="button-secondary" disabled=${tryOut.busy} onClick=${() => tryOut.run()}>${tryOut.busy ? 'Trying…' : 'Preview'}</button>
      <button type="submit" disabled=${save.busy || !filterChanged(text, endpoint.filter)}>Save filter</button>
    </p>
    <p class="preview-result" id=${`${ID}-preview`} role="status">${preview}</p>
    ${tryOut.message ? html`<${Notice} kind=${tryOut.message.kind}>${tryOut.message.text}<//>` : null}
    ${save.message ? html`<${Notice} kind=${save.message.kind}>${save.message.text}<//>` : null}
  </form>`;
}
