// `POST /v1/filter-preview`: how many of the account's latest events a filter would have let
// through, so a customer sees what a pattern does before an endpoint uses it. The events are
// read back from the account's deliveries (the bodies as they were sent), newest first.
import { compileEventPattern } from '../../domain/event-pattern';
import { ALL_EVENTS } from '../../domain/model';
import type { DeliveryRecords } from './ports';

/** How many distinct events a preview tries, and how many log reads it may spend finding them. */
export const PREVIEW_EVENTS = 50;
const MAX_PAGES = 3;

export interface FilterPreviewResult {
  readonly checked: number;
  readonly matched: number;
}

export class FilterPreviewService {
  constructor(private readonly deps: { readonly store: { readonly deliveries: Pick<DeliveryRecords, 'listDeliveries'> } }) {}

  async preview(accountId: string, filter: Readonly<Record<string, unknown>>, events: readonly string[]): Promise<FilterPreviewResult> {
    const matches = compileEventPattern(filter);
    const wanted = (eventType: string) => events.includes(ALL_EVENTS) || events.includes(eventType);
    const seen = new Set<string>();
    let matched = 0;
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES && seen.size < PREVIEW_EVENTS; page += 1) {
      const { items, nextCursor } = await this.deps.store.deliveries.listDeliveries(
        accountId,
        events.length === 1 && events[0] !== ALL_EVENTS ? { eventType: events[0] } : {},
        { limit: 100, ...(cursor ? { cursor } : {}) },
      );
      for (const delivery of items) {
        if (seen.size >= PREVIEW_EVENTS) break;
        // One event reaches several endpoints: it counts once. Test sends carry sample data, not events.
        if (delivery.test === true || !wanted(delivery.eventType) || seen.has(delivery.eventId)) continue;
        seen.add(delivery.eventId);
        const data = (JSON.parse(delivery.body) as { data?: unknown }).data;
        if (matches(data)) matched += 1;
      }
      if (!nextCursor) break;
      cursor = nextCursor;
    }
    return { checked: seen.size, matched };
  }
}
