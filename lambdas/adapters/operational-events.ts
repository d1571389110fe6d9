// Operational events for the platform (not for customers' endpoints): put on the same bus with
// a source of their own, which the dispatch rule does not match, so they can never loop back
// into delivery. The OperationalEvents port of delivery/ports.ts.
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { OperationalEvents } from '../delivery/ports';

export const OPERATIONAL_EVENT_SOURCE = 'georedir.webhooks';

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
                url: event.url,
                reason: event.reason,
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
