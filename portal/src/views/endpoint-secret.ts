// The endpoint page's signing secret: reveal it, and rotate it in one of two ways, each saying what
// it means for a receiver written as the guide shows (one secret, checked on X-GeoRedir-Signature):
// now (it rejects deliveries until it has the new secret), or with the switch scheduled (give it the
// new secret first). A switch still ahead is shown; a rotation meanwhile is refused (409).
import { useState } from 'preact/hooks';
import { ApiRequestError } from '../api';
import type { EndpointSecret } from '../api-types';
import { ConfirmDialog, CopyButton, html, Notice, Time, useAction } from '../components/ui';
import { formatTime } from '../format';
import { defaultSwitchInput, parseSwitchTime, SWITCH_PENDING_CODE, switchInputBounds, switchPendingText } from '../secret-switch';
import { byId, type EndpointPanelProps } from './shared';

const SWITCH_ID = 'switch-at';

export function SecretPanel({ api, endpoint, onChange, readOnly }: EndpointPanelProps) {
  const params = byId(endpoint.id);
  const [secret, setSecret] = useState<EndpointSecret | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const [switchAt, setSwitchAt] = useState(() => defaultSwitchInput(Date.now()));
  const [switchError, setSwitchError] = useState<string | undefined>(undefined);
  const pending = endpoint.secretActivatesAt;

  const reveal = useAction(async () => {
    setSecret(await api.get('/v1/endpoints/{id}/secret', { params }));
  });
  /** Both ways: the new secret shown; a refusal because a switch is ahead explained, and that switch shown. */
  const rotate = async (body?: { activateAt: string }): Promise<EndpointSecret> => {
    try {
      const rotated = await api.post('/v1/endpoints/{id}/rotate-secret', { params, body });
      setSecret(rotated);
      return rotated;
    } catch (error) {
      if (!(error instanceof ApiRequestError) || error.code !== SWITCH_PENDING_CODE) throw error;
      const current = await api.get('/v1/endpoints/{id}', { params }).catch(() => undefined);
      if (current) onChange?.(current);
      throw new Error(switchPendingText(current?.secretActivatesAt));
    }
  };
  const rotateNow = useAction(async () => {
    setConfirming(false);
    const rotated = await rotate();
    const grace = rotated.previousSecretExpiresAt ? ` The previous secret also signs webhook-signature until ${formatTime(rotated.previousSecretExpiresAt)}.` : '';
    return `New secret issued: it signs X-GeoRedir-Signature from now on. Give it to your receiver.${grace}`;
  });
  const schedule = useAction(async () => {
    const time = parseSwitchTime(switchAt, Date.now());
    setSwitchError(time.error);
    if (time.error !== undefined) return;
    const rotated = await rotate({ activateAt: time.iso });
    const at = rotated.secretActivatesAt ?? time.iso;
    onChange?.({ ...endpoint, secretActivatesAt: at });
    return `New secret issued. Give it to your receiver before ${formatTime(at)}: X-GeoRedir-Signature switches to it then.`;
  });
  const busy = rotateNow.busy || schedule.busy;
  const bounds = switchInputBounds(Date.now());

  return html`<div class="panel" aria-labelledby="secret-title">
    <h2 id="secret-title">Signing secret</h2>
    <p class="muted">Receivers verify <code>X-GeoRedir-Signature</code> with it. Keep it private.</p>
    ${pending
      ? html`<div class="notice notice-info" id="secret-switch" role="status">
          <p><strong>New secret signs <code>X-GeoRedir-Signature</code> from <${Time} iso=${pending} />.</strong></p>
          <p>Until then it is signed with the previous secret, and <code>webhook-signature</code> carries both. Give your receiver the new secret (reveal it here) before then.</p>
        </div>`
      : null}
    ${secret
      ? html`<p><code class="secret" id="secret-value">${secret.secret}</code></p>
          ${secret.secretActivatesAt ? html`<p class="hint">The new secret: X-GeoRedir-Signature uses it from <${Time} iso=${secret.secretActivatesAt} />.</p>` : null}
          <p class="actions">
            <${CopyButton} text=${secret.secret} label="Copy secret" target=${() => document.getElementById('secret-value')} />
            <button type="button" class="button-secondary" onClick=${() => setSecret(undefined)}>Hide</button>
          </p>`
      : html`<p><code class="secret secret-hidden" aria-label="hidden secret">whsec_••••••••••••••••</code></p>
          ${readOnly
            ? html`<p class="hint">A read-only link cannot reveal the secret: it would let anyone holding it forge webhooks.</p>`
            : html`<p class="actions"><button type="button" class="button-secondary" disabled=${reveal.busy} onClick=${() => reveal.run()}>Reveal secret</button></p>`}`}
    ${reveal.message ? html`<${Notice} kind=${reveal.message.kind}>${reveal.message.text}<//>` : null}

    ${readOnly ? null : html`
    <h3>Rotate the secret</h3>
    ${pending ? html`<p class="hint">You can rotate again once the scheduled switch has happened.</p>` : null}
    <div class="rotate-way">
      <p id="rotate-now-text"><strong>Rotate now.</strong> <code>X-GeoRedir-Signature</code> switches to the new secret at once: a receiver written as the guide shows,
        which checks one secret, rejects deliveries until you give it the new one. Receivers using a Standard Webhooks library
        keep working: <code>webhook-signature</code> carries the old secret too for 24 hours.</p>
      <p class="actions"><button type="button" class="button-secondary" disabled=${busy || Boolean(pending)} aria-describedby="rotate-now-text" onClick=${() => setConfirming(true)}>Rotate now</button></p>
      ${rotateNow.message ? html`<${Notice} kind=${rotateNow.message.kind}>${rotateNow.message.text}<//>` : null}
    </div>
    <form class="rotate-way" novalidate onSubmit=${(event: Event) => {
      event.preventDefault();
      void schedule.run();
    }}>
      <p id="schedule-text"><strong>Schedule the switch.</strong> You get the new secret now; <code>X-GeoRedir-Signature</code> keeps the current one until the time you choose
        (up to 24 hours ahead). Give your receiver the new secret before then and it rejects nothing. Meanwhile <code>webhook-signature</code>, which Standard Webhooks libraries
        check, carries both.</p>
      <div class="inline-fields">
        <div class="field">
          <label for=${SWITCH_ID}>Switch at (your time)</label>
          <input id=${SWITCH_ID} type="datetime-local" min=${bounds.min} max=${bounds.max} value=${switchAt}
            onInput=${(event: Event) => {
              setSwitchAt((event.currentTarget as HTMLInputElement).value);
              setSwitchError(undefined);
            }}
            aria-invalid=${switchError ? 'true' : 'false'} aria-describedby=${switchError ? `${SWITCH_ID}-error schedule-text` : 'schedule-text'} />
        </div>
        <button type="submit" class="button-secondary" disabled=${busy || Boolean(pending)}>Schedule the switch</button>
      </div>
      ${switchError ? html`<p class="field-error" id=${`${SWITCH_ID}-error`}>${switchError}</p>` : null}
      ${schedule.message ? html`<${Notice} kind=${schedule.message.kind}>${schedule.message.text}<//>` : null}
    </form>
    <${ConfirmDialog} open=${confirming} title="Rotate the signing secret now?" confirmLabel="Rotate now" onConfirm=${() => rotateNow.run()} onCancel=${() => setConfirming(false)}>
      <p><code>X-GeoRedir-Signature</code> is signed with the new secret from now on: a receiver that checks one secret, as the guide shows, rejects deliveries until it has the new one.
        To give it the new secret first, cancel and schedule the switch instead.</p>
    <//>`}
  </div>`;
}
