// Whether an endpoint takes an event: subscribed to its type, and its content filter (an
// EventBridge pattern over `data`, see event-pattern.ts) lets the data through.
import { compileEventPattern, type EventMatcher } from './event-pattern';
import { ALL_EVENTS, type Endpoint } from './model';

/** Compiled filters by their JSON: endpoints are read anew every batch, their filters rarely change. */
const compiled = new Map<string, EventMatcher>();
const MAX_COMPILED = 1000;

export function isSubscribed(endpoint: Pick<Endpoint, 'events'>, eventType: string): boolean {
  return endpoint.events.includes(ALL_EVENTS) || endpoint.events.includes(eventType);
}

/** True without a filter. Throws EventPatternError for a stored filter that no longer compiles. */
export function passesFilter(endpoint: Pick<Endpoint, 'filter'>, data: unknown): boolean {
  if (endpoint.filter === undefined) return true;
  const key = JSON.stringify(endpoint.filter);
  let matches = compiled.get(key);
  if (!matches) {
    matches = compileEventPattern(endpoint.filter);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, matches);
  }
  return matches(data);
}
