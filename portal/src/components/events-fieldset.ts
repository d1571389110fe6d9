// Event type checkboxes: every type from the catalogue, or "*" (all, including future types).
import type { EventChoice, EventType } from '../api-types';
import { html } from './ui';

export function EventsFieldset({ eventTypes, selected, onChange, error, idPrefix, legendHidden }: {
  eventTypes: readonly EventType[];
  selected: readonly EventChoice[];
  onChange: (events: EventChoice[]) => void;
  error?: string | undefined;
  idPrefix: string;
  /** Under a heading that already says it. */
  legendHidden?: boolean;
}) {
  const all = selected.includes('*');
  const toggle = (name: EventChoice, checked: boolean) => {
    if (name === '*') return onChange(checked ? ['*'] : []);
    const next = new Set(selected.filter((event) => event !== '*'));
    if (checked) next.add(name);
    else next.delete(name);
    onChange(eventTypes.map((type) => type.name).filter((type) => next.has(type)));
  };
  const errorId = `${idPrefix}-events-error`;
  return html`<fieldset class="events" aria-describedby=${error ? errorId : undefined}>
    <legend class=${legendHidden ? 'visually-hidden' : undefined}>Events</legend>
    <label class="check"><input type="checkbox" checked=${all} onChange=${(event: Event) => toggle('*', (event.currentTarget as HTMLInputElement).checked)} />
      <span><strong>All events</strong>, including types added later</span></label>
    ${eventTypes.map(
      (type) => html`<label class="check" key=${type.name}>
        <input type="checkbox" name="events" value=${type.name} disabled=${all} checked=${all || selected.includes(type.name)}
          onChange=${(event: Event) => toggle(type.name, (event.currentTarget as HTMLInputElement).checked)} />
        <span><code>${type.name}</code> <span class="muted small">${type.description}</span></span>
      </label>`,
    )}
    ${error ? html`<p class="field-error" id=${errorId}>${error}</p>` : null}
  </fieldset>`;
}
