// How a log page carries the events its batch's endpoint filters left out: the dispatcher writes
// them on the page it writes anyway (dynamodb-delivery-store.ts putLogPage), so a filtered event
// costs no write of its own, and the counts aggregator reads them off the page's stream insert
// (count-deliveries.ts). Pure: the format on both sides, in one place.
//
// The attribute is a string, not a map: Lambda's stream filter can only test a leaf value for
// `exists` (a map is an intermediate node), and a string keeps the page a flat item.
import { LOG_KEY_PREFIX } from '../adapters/table-keys';

/** The log page's attribute: a line per endpoint, `<endpointId> <count>`, present only when some count is above 0. */
export const FILTERED_ATTRIBUTE = 'filtered';

/** The attribute's text; '' when no endpoint left anything out (then the attribute is not written). */
export function encodeFilteredCounts(filtered: ReadonlyMap<string, number> | undefined): string {
  if (!filtered) return '';
  const lines: string[] = [];
  for (const [endpointId, count] of filtered) {
    if (Number.isSafeInteger(count) && count > 0) lines.push(`${endpointId} ${count}`);
  }
  return lines.join('\n');
}

/** The counts by endpoint id; undefined when the text is not what encodeFilteredCounts writes. */
export function decodeFilteredCounts(text: string): Map<string, number> | undefined {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\S+) ([1-9][0-9]{0,14})$/.exec(line);
    if (!match) return undefined;
    const [, endpointId = '', count = '0'] = match;
    counts.set(endpointId, (counts.get(endpointId) ?? 0) + Number(count));
  }
  return counts;
}

/** The account of a log page's partition key (`LOG#<account>#<shard>`); undefined for any other key. */
export function logPageAccount(partitionKey: string): string | undefined {
  if (!partitionKey.startsWith(LOG_KEY_PREFIX)) return undefined;
  const shardAt = partitionKey.lastIndexOf('#');
  const accountId = partitionKey.slice(LOG_KEY_PREFIX.length, shardAt);
  return shardAt > LOG_KEY_PREFIX.length && /^[0-9]+$/.test(partitionKey.slice(shardAt + 1)) ? accountId : undefined;
}
