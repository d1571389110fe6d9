import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { createOperationalEvents, MAX_REASON_CHARACTERS, OPERATIONAL_EVENT_SOURCE, redactedUrl } from '../../../lambdas/adapters/operational-events';
import { OPERATIONAL_EVENT_SOURCE as CONSTRUCT_SOURCE } from '../../../lib/webhook-delivery-settings';

/** A client that records what it is asked to put and accepts it. */
function recordingClient() {
  const sent: PutEventsCommand['input'][] = [];
  const client = {
    send: async (command: PutEventsCommand) => {
      sent.push(command.input);
      return { FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] };
    },
  } as unknown as EventBridgeClient;
  return { client, sent };
}

/** Announces an endpoint disabled with this URL and reason; the one entry put. */
async function announced(url: string, reason: string) {
  const { client, sent } = recordingClient();
  await createOperationalEvents(client, 'bus').endpointDisabled({ accountId: 'acct_1', endpointId: 'ep_1', url, reason, disabledAt: '2026-01-01T00:00:00.000Z' });
  expect(sent).toHaveLength(1);
  return sent[0]!.Entries![0];
}

describe('endpoint.disabled', () => {
  test('goes out with the service source, the URL without credentials, query or fragment, and a short reason', async () => {
    const entry = await announced('https://user:pa55@hooks.example.com:8443/in/georedir?token=s3cret&sig=abc#frag', `endpoint answered 410 Gone: ${'x'.repeat(500)}`);
    expect(entry).toMatchObject({ EventBusName: 'bus', Source: OPERATIONAL_EVENT_SOURCE, DetailType: 'endpoint.disabled' });
    const detail = JSON.parse(entry!.Detail!) as Record<string, string>;
    expect(detail).toMatchObject({ account_id: 'acct_1', endpoint_id: 'ep_1', url: 'https://hooks.example.com:8443/in/georedir', disabled_at: '2026-01-01T00:00:00.000Z' });
    expect(entry!.Detail).not.toMatch(/s3cret|pa55|sig=|frag/);
    expect(detail.reason).toHaveLength(MAX_REASON_CHARACTERS);
    expect(detail.reason!.startsWith('endpoint answered 410 Gone: ')).toBe(true);
  });

  test('a short reason and a plain URL go out as they are', async () => {
    const entry = await announced('https://hooks.example.com/webhooks', '10 consecutive failed deliveries');
    expect(JSON.parse(entry!.Detail!)).toMatchObject({ url: 'https://hooks.example.com/webhooks', reason: '10 consecutive failed deliveries' });
  });

  test('the construct lets the dispatcher put events of exactly this source', () => {
    expect(CONSTRUCT_SOURCE).toBe(OPERATIONAL_EVENT_SOURCE);
  });
});

describe('redactedUrl', () => {
  test.each([
    ['https://hooks.example.com/a?b=c', 'https://hooks.example.com/a'],
    ['http://127.0.0.1:8080/x#y', 'http://127.0.0.1:8080/x'],
    ['https://[2001:db8::1]/hook?k=v', 'https://[2001:db8::1]/hook'],
    ['not a url', ''],
  ])('%s -> %s', (url, expected) => {
    expect(redactedUrl(url)).toBe(expected);
  });
});
