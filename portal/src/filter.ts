// An endpoint's filter as the portal's textarea reads and shows it: an Amazon EventBridge event
// pattern over the event's `data`, as JSON; an empty field for no filter. The API checks the pattern
// itself (operators, limits); this only catches what is not a JSON object before it is sent.
import type { FilterPreview } from './api-types';

export type EventPattern = Readonly<Record<string, unknown>>;

export type FilterInput = { readonly value: EventPattern | null; readonly error?: undefined } | { readonly value?: undefined; readonly error: string };

export const FILTER_EXAMPLE = '{"is_unique": [true], "country": ["US", "CA"]}';
const NOT_AN_OBJECT = `Write the filter as a JSON object of data fields, e.g. ${FILTER_EXAMPLE}, or leave it empty for no filter.`;

/** The field's text as the API takes it: null (no filter) for an empty field, else a JSON object. */
export function parseFilter(text: string): FilterInput {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { error: `The filter is not valid JSON (${error instanceof Error ? error.message : String(error)}).` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: NOT_AN_OBJECT };
  if (Object.keys(value).length === 0) return { error: NOT_AN_OBJECT };
  return { value: value as EventPattern };
}

/** The field's text for a stored filter: indented, one field a line. */
export function filterText(filter: EventPattern | undefined): string {
  return filter === undefined ? '' : JSON.stringify(filter, null, 2);
}

/** Whether the field says something other than the stored filter (an unreadable field always does). */
export function filterChanged(text: string, stored: EventPattern | undefined): boolean {
  const parsed = parseFilter(text);
  if (parsed.error !== undefined) return true;
  return JSON.stringify(parsed.value ?? undefined) !== JSON.stringify(stored);
}

const SUMMARY_LENGTH = 80;

/** The filter on one line for the endpoint's facts, cut short when long; undefined without one. */
export function filterSummary(filter: EventPattern | undefined): string | undefined {
  if (filter === undefined) return undefined;
  const compact = JSON.stringify(filter);
  return compact.length <= SUMMARY_LENGTH ? compact : `${compact.slice(0, SUMMARY_LENGTH - 1)}…`;
}

/** What a preview found, in words. */
export function previewText(preview: FilterPreview): string {
  if (preview.checked === 0) return 'No recent events of these types to try the filter on.';
  const events = preview.checked === 1 ? 'event' : 'events';
  return `Would have delivered ${preview.matched} of the last ${preview.checked} ${events}.`;
}
