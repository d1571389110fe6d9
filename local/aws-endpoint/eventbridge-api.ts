// EventBridge JSON 1.1 protocol (`X-Amz-Target: AWSEvents.<Op>`); only PutEvents is emulated.
import { AwsServiceError, unknownOperation } from './errors';
import type { EventBridgeEngine, PutEventsEntry } from './eventbridge';
import { isJsonObject } from './request-fields';

export async function handleEventBridgeOperation(engine: EventBridgeEngine, operation: string, input: unknown): Promise<unknown> {
  if (operation !== 'PutEvents') throw unknownOperation('EventBridge', operation);
  const rawEntries = isJsonObject(input) ? input['Entries'] : undefined;
  if (!Array.isArray(rawEntries)) {
    throw new AwsServiceError('ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
  }
  return engine.putEvents(rawEntries.map(toEntry));
}

function toEntry(raw: unknown): PutEventsEntry {
  if (!isJsonObject(raw)) throw new AwsServiceError('ValidationException', 'Each entry must be an object.');
  const text = (name: string) => {
    const value = raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new AwsServiceError('ValidationException', `${name} must be a string.`);
    return value;
  };
  const resources = raw['Resources'];
  if (resources !== undefined && resources !== null && !(Array.isArray(resources) && resources.every((item) => typeof item === 'string'))) {
    throw new AwsServiceError('ValidationException', 'Resources must be a list of strings.');
  }
  return {
    Source: text('Source'),
    DetailType: text('DetailType'),
    Detail: text('Detail'),
    EventBusName: text('EventBusName'),
    Resources: (resources as string[] | undefined | null) ?? undefined,
    Time: parseTime(raw['Time']),
  };
}

/** The JSON protocols send timestamps as epoch seconds; accept ISO strings too (the CLI). */
function parseTime(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
  if (!time || Number.isNaN(time.getTime())) throw new AwsServiceError('ValidationException', 'Time must be a timestamp.');
  return time;
}
