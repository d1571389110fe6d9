// How the portal writes times, durations, rates and outcomes: pure functions, tested on their own.
import type { Attempt, HourlyCount } from './api-types';

/** `2026-11-28 14:03:07` in the viewer's time zone (the tooltip carries the ISO value). */
export function formatTime(iso: string | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    ...(timeZone ? { timeZone } : {}),
  }).formatToParts(date);
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

export function formatLatency(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** What ended an attempt: its HTTP status, or the error class when there was none. */
export function attemptResult(attempt: Pick<Attempt, 'statusCode' | 'errorClass'>): string {
  if (attempt.statusCode !== undefined) return `HTTP ${attempt.statusCode}`;
  return attempt.errorClass ? errorClassLabel(attempt.errorClass) : '—';
}

/** The error message when it says more than attemptResult does (for an HTTP error it is just "HTTP 500"). */
export function extraErrorMessage(attempt: Pick<Attempt, 'statusCode' | 'errorClass' | 'errorMessage'>): string | undefined {
  const message = attempt.errorMessage?.trim();
  return message && message !== attemptResult(attempt) && message !== `HTTP ${attempt.statusCode}` ? message : undefined;
}

const ERROR_CLASSES: Readonly<Record<string, string>> = {
  http_status: 'HTTP error',
  timeout: 'timed out',
  connection_refused: 'connection refused',
  connection_error: 'connection error',
  dns_error: 'DNS error',
  blocked_address: 'address not allowed',
  redirect: 'redirect (not followed)',
  tls_error: 'TLS error',
  circuit_open: 'not sent: endpoint paused after timeouts',
};

export function errorClassLabel(errorClass: string): string {
  return ERROR_CLASSES[errorClass] ?? errorClass.replace(/_/g, ' ');
}

export interface SuccessRate {
  /** Attempts made in the period (skipped deliveries were never sent and make none). */
  readonly attempts: number;
  /** 0-100, or undefined without attempts. */
  readonly percent: number | undefined;
}

/**
 * The share of attempts that succeeded, as the API's summary counts it: succeeded deliveries
 * (one successful attempt each) out of those plus every failed attempt, retried ones included.
 */
export function successRate(counts: readonly Pick<HourlyCount, 'succeeded' | 'failedAttempts'>[]): SuccessRate {
  const succeeded = counts.reduce((sum, count) => sum + count.succeeded, 0);
  const attempts = succeeded + counts.reduce((sum, count) => sum + count.failedAttempts, 0);
  return { attempts, percent: attempts === 0 ? undefined : (succeeded / attempts) * 100 };
}

export function formatPercent(percent: number): string {
  // 99.96 must not read as 100 %: only a perfect record shows 100.
  if (percent >= 100) return '100 %';
  if (percent >= 99) return `${(Math.floor(percent * 10) / 10).toFixed(1)} %`;
  return `${Math.floor(percent)} %`;
}

/** Events an endpoint's filter left out (no delivery made), in words; undefined for none. */
export function filteredText(filtered: number | undefined): string | undefined {
  if (!filtered) return undefined;
  return `${filtered.toLocaleString('en-US')} ${filtered === 1 ? 'event' : 'events'} left out by the filter`;
}

/** JSON as sent, pretty-printed for reading. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? '';
}

/** A `datetime-local` input's value (the viewer's local time) as ISO-8601, or undefined when empty or invalid. */
export function localInputToIso(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The reverse: an ISO time as a `datetime-local` value in the viewer's zone (minutes). */
export function isoToLocalInput(iso: string): string {
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
