// A scheduled secret switch as the portal's datetime-local field takes it: when the new secret
// starts signing X-GeoRedir-Signature, from now to 24 hours ahead (the API's bounds), in the
// viewer's local time.
import { formatTime, isoToLocalInput, localInputToIso } from './format';

export const MAX_SWITCH_AHEAD_HOURS = 24;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** The field's first value: an hour from now. */
export function defaultSwitchInput(nowMs: number): string {
  return isoToLocalInput(new Date(nowMs + HOUR_MS).toISOString());
}

/** The field's min and max: the next whole minute, and the last one within 24 hours. */
export function switchInputBounds(nowMs: number): { min: string; max: string } {
  return {
    min: isoToLocalInput(new Date(Math.ceil(nowMs / MINUTE_MS) * MINUTE_MS).toISOString()),
    max: isoToLocalInput(new Date(nowMs + MAX_SWITCH_AHEAD_HOURS * HOUR_MS).toISOString()),
  };
}

export type SwitchTime = { readonly iso: string; readonly error?: undefined } | { readonly iso?: undefined; readonly error: string };

/** The field's value as the API's `activateAt`, or why it cannot be. */
export function parseSwitchTime(value: string, nowMs: number): SwitchTime {
  const iso = localInputToIso(value);
  if (iso === undefined) return { error: 'Choose when the new secret starts signing X-GeoRedir-Signature.' };
  const at = Date.parse(iso);
  if (at <= nowMs) return { error: `Choose a time ahead of now (up to ${MAX_SWITCH_AHEAD_HOURS} hours).` };
  if (at > nowMs + MAX_SWITCH_AHEAD_HOURS * HOUR_MS) return { error: `Choose a time at most ${MAX_SWITCH_AHEAD_HOURS} hours ahead.` };
  return { iso };
}

/** The API's code for a rotation while a scheduled switch is still ahead. */
export const SWITCH_PENDING_CODE = 'secret_switch_pending';

/** Why a rotation was refused (409): another switch is ahead. */
export function switchPendingText(secretActivatesAt: string | undefined): string {
  const when = secretActivatesAt ? ` for ${formatTime(secretActivatesAt)}` : '';
  return `A switch to a new secret is already scheduled${when}. Rotate again once it has happened, so no secret your receiver holds is dropped.`;
}
