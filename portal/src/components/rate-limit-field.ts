// The endpoint form's rate limit field: a whole number of deliveries per second, empty for none.
import { html } from './ui';

/** What a limit does, in the API reference's terms. */
export const RATE_LIMIT_HINT =
  'Empty: no limit. Deliveries above the limit wait their turn: they are never failed, dropped or counted toward disabling the endpoint.';

export function RateLimitField({ idPrefix, value, onInput, error, optional }: {
  idPrefix: string;
  /** Says "(optional)": on the form that adds an endpoint. */
  optional?: boolean;
  value: string;
  onInput: (value: string) => void;
  error?: string | undefined;
}) {
  const id = `${idPrefix}-rate-limit`;
  // type="text": a number input reads "2.5e" as empty, which would quietly mean no limit.
  return html`<div class="field">
    <label for=${id}>Rate limit (deliveries per second)${optional ? html` <span class="muted">(optional)</span>` : null}</label>
    <input id=${id} name="rateLimit" type="text" inputmode="numeric" autocomplete="off" size="8" placeholder="No limit"
      value=${value} onInput=${(event: Event) => onInput((event.currentTarget as HTMLInputElement).value)}
      aria-invalid=${error ? 'true' : 'false'} aria-describedby=${error ? `${id}-error ${id}-hint` : `${id}-hint`} />
    ${error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : null}
    <p class="hint" id=${`${id}-hint`}>${RATE_LIMIT_HINT}</p>
  </div>`;
}
