// Operational events for the platform (not for customers' endpoints): put on the same bus with
// a source of their own, which the dispatch rule does not match, so they can never loop back
// into delivery. The OperationalEvents port of delivery/ports.ts. Whoever reads the bus (rules,
// archives, other teams' targets) is not the endpoint's owner, so nothing secret goes out: the
// URL without its credentials, query and fragment (tokens live there), the reason cut short.
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { OperationalEvents } from '../delivery/ports';

export const OPERATIONAL_EVENT_SOURCE = 'georedir.webhooks';

/** A reason longer than this is cut (a receiver's answer must never ride along whole). */
export const MAX_REASON_CHARACTERS = 200;

/** The URL as an event may show it: scheme, host, port and path only. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    // Not a URL (a stored value from before the URL policy): show nothing of it.
    return '';
  }
}

function shortReason(reason: string): string {
  return reason.length > MAX_REASON_CHARACTERS ? `${reason.slice(0, MAX_REASON_CHARACTERS - 3)}...` : reason;
}

export function createOperationalEvents(client: EventBridgeClient, eventBusName: string): OperationalEvents {
  return {
    async endpointDisabled(event) {
      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: eventBusName,
              Source: OPERATIONAL_EVENT_SOURCE,
              DetailType: 'endpoint.disabled',
              Detail: JSON.stringify({
                account_id: event.accountId,
                endpoint_id: event.endpointId,
                url: redactedUrl(event.url),
                reason: shortReason(event.reason),
                disabled_at: event.disabledAt,
              }),
            },
          ],
        }),
      );
      if (result.FailedEntryCount) {
        const entry = result.Entries?.[0];
        throw new Error(`PutEvents refused endpoint.disabled: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
      }
    },
  };
}
