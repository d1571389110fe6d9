// The fields an endpoint may redact: the documented fields of the event types it takes (every type
// for "*"), from the API's catalogue, each once, with the types that have it and whether it holds
// personal data in any of them.
import type { EventType } from './api-types';

/** A catalogue entry (GET /v1/event-types) less its sample, which the list does not read. */
export type CatalogueEntry = Omit<EventType, 'example'>;

export interface RedactableField {
  readonly name: string;
  /** The endpoint's types that document it. */
  readonly eventTypes: readonly string[];
  readonly personalData: boolean;
}

/**
 * In catalogue order; personal data first, since that is what most redact. A field the endpoint
 * already redacts stays listed (so it can be unticked) even when none of its types documents it.
 */
export function redactableFields(catalogue: readonly CatalogueEntry[], events: readonly string[], redacted: readonly string[] = []): RedactableField[] {
  const all = events.includes('*');
  const fields = new Map<string, { eventTypes: string[]; personalData: boolean }>();
  for (const type of catalogue) {
    if (!all && !events.includes(type.name)) continue;
    for (const name of type.fields) {
      const field = fields.get(name) ?? { eventTypes: [], personalData: false };
      field.eventTypes.push(type.name);
      field.personalData ||= type.personalData.includes(name);
      fields.set(name, field);
    }
  }
  for (const name of redacted) if (!fields.has(name)) fields.set(name, { eventTypes: [], personalData: false });
  const list = [...fields].map(([name, field]) => ({ name, ...field }));
  return [...list.filter((field) => field.personalData), ...list.filter((field) => !field.personalData)];
}

/** The ticked fields in the list's order, as the API takes them. */
export function redactSelection(fields: readonly RedactableField[], ticked: ReadonlySet<string>): string[] {
  return fields.map((field) => field.name).filter((name) => ticked.has(name));
}

/** The redacted fields in words, for the endpoint's facts. */
export function redactLabel(redact: readonly string[] | undefined): string {
  return redact === undefined || redact.length === 0 ? 'None' : redact.join(', ');
}
