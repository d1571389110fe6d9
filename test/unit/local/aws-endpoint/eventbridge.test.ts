import { ListRulesCommand, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ManualClock } from '../../../../local/aws-endpoint/clock';
import type { BusConfig } from '../../../../local/aws-endpoint/eventbridge';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { rejectionOf, type SdkClients, sdkClients } from '../../../support/sdk-clients';

const BUS = 'georedir-webhooks';

const buses: BusConfig[] = [
  {
    busName: BUS,
    rules: [
      { name: 'link-events', eventPattern: { source: ['georedir'], 'detail-type': [{ prefix: 'link.' }] }, targets: [{ id: 't', queueName: 'links' }] },
      { name: 'catalogue', eventPattern: { source: ['georedir'], 'detail-type': ['link.created', 'link.updated'] }, targets: [{ id: 't', queueName: 'catalogue' }] },
      {
        name: 'big-conversions-not-test',
        eventPattern: {
          'detail-type': ['conversion'],
          detail: { account_id: [{ 'anything-but': 'acc_test' }], data: { amount: [{ numeric: ['>=', 100] }] }, id: [{ exists: true }] },
        },
        targets: [{ id: 't', queueName: 'big' }],
      },
    ],
  },
];

describe('local EventBridge PutEvents through the AWS SDK', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  const clock = new ManualClock(Date.UTC(2026, 1, 25, 14, 30, 0, 789));

  beforeAll(async () => {
    endpoint = await startAwsEndpoint({
      port: 0,
      clock,
      queues: [{ name: 'links' }, { name: 'catalogue' }, { name: 'big' }],
      buses,
      scheduleGroups: [],
    });
    clients = sdkClients(endpoint.url);
  });

  afterAll(async () => {
    clients.destroy();
    await endpoint.close();
  });

  afterEach(() => ['links', 'catalogue', 'big'].forEach((queue) => endpoint.sqs.purgeQueue(queue)));

  const entry = (detailType: string, detail: Record<string, unknown>, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
    EventBusName: BUS,
    Source: 'georedir',
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    ...extra,
  });
  const bodies = (queue: string) => endpoint.sqs.peekMessages(queue).map((message) => JSON.parse(message.body) as Record<string, unknown>);

  it('delivers the EventBridge envelope to the queues of matching rules, through SQS', async () => {
    const detail = { account_id: 'acc_1', data: { link_id: 'lnk_1', nested: [1, { a: null }] } };
    const result = await clients.events.send(new PutEventsCommand({ Entries: [entry('link.created', detail)] }));
    expect(result.FailedEntryCount).toBe(0);
    const eventId = result.Entries![0]!.EventId!;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

    const { Messages } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: endpoint.sqs.queueUrl('links') }));
    expect(JSON.parse(Messages![0]!.Body!)).toEqual({
      version: '0',
      id: eventId,
      'detail-type': 'link.created',
      source: 'georedir',
      account: '000000000000',
      time: '2026-02-25T14:30:00Z',
      region: 'us-east-1',
      resources: [],
      detail,
    });
    expect(bodies('catalogue')).toHaveLength(1);
    expect(bodies('big')).toHaveLength(0);
  });

  it('keeps a click away from rules for link events (prefix and explicit list)', async () => {
    const result = await clients.events.send(new PutEventsCommand({ Entries: [entry('click', { account_id: 'acc_1', data: {} })] }));
    expect(result.FailedEntryCount).toBe(0);
    expect(bodies('links')).toHaveLength(0);
    expect(bodies('catalogue')).toHaveLength(0);
  });

  it('routes link.deleted to the prefix rule only', async () => {
    await clients.events.send(new PutEventsCommand({ Entries: [entry('link.deleted', { account_id: 'acc_1', data: {} })] }));
    expect(bodies('links')).toHaveLength(1);
    expect(bodies('catalogue')).toHaveLength(0);
  });

  it('applies anything-but, numeric and exists together', async () => {
    await clients.events.send(
      new PutEventsCommand({
        Entries: [
          entry('conversion', { account_id: 'acc_1', id: 'a', data: { amount: 150 } }),
          entry('conversion', { account_id: 'acc_test', id: 'b', data: { amount: 150 } }),
          entry('conversion', { account_id: 'acc_1', id: 'c', data: { amount: 99 } }),
          entry('conversion', { account_id: 'acc_1', data: { amount: 500 } }),
        ],
      }),
    );
    expect(bodies('big').map((body) => (body['detail'] as { id: string }).id)).toEqual(['a']);
  });

  it('uses the entry Time (to the second) and accepts the bus ARN', async () => {
    await clients.events.send(
      new PutEventsCommand({
        Entries: [
          entry('link.updated', { account_id: 'acc_1', data: {} }, {
            EventBusName: `arn:aws:events:us-east-1:000000000000:event-bus/${BUS}`,
            Time: new Date('2026-03-01T08:00:05.250Z'),
            Resources: ['arn:aws:example:link/1'],
          }),
        ],
      }),
    );
    expect(bodies('links')[0]).toMatchObject({ time: '2026-03-01T08:00:05Z', resources: ['arn:aws:example:link/1'] });
  });

  it('fails invalid entries one by one, as AWS does, and delivers the valid ones', async () => {
    const result = await clients.events.send(
      new PutEventsCommand({
        Entries: [
          entry('link.created', { account_id: 'acc_1', data: {} }),
          { ...entry('link.created', {}), Detail: '{not json' },
          { ...entry('link.created', {}), Detail: '[1,2]' },
          { ...entry('link.created', {}), Source: undefined },
          entry('link.created', {}, { EventBusName: 'no-such-bus' }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries![0]!.EventId).toBeDefined();
    expect(result.Entries!.slice(1).map((item) => item.ErrorCode)).toEqual([
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'ResourceNotFoundException',
    ]);
    expect(result.Entries![3]!.ErrorMessage).toContain('Source');
    expect(bodies('links')).toHaveLength(1);
  });

  it('accepts events for the default bus and drops them', async () => {
    const result = await clients.events.send(new PutEventsCommand({ Entries: [entry('link.created', {}, { EventBusName: undefined })] }));
    expect(result.FailedEntryCount).toBe(0);
    expect(bodies('links')).toHaveLength(0);
  });

  it('refuses more than 10 entries and more than 256 KB with ValidationException', async () => {
    const eleven = Array.from({ length: 11 }, () => entry('click', {}));
    expect((await rejectionOf(clients.events.send(new PutEventsCommand({ Entries: eleven })))).name).toBe('ValidationException');

    const huge = entry('click', { data: 'x'.repeat(262_144) });
    const tooBig = await rejectionOf(clients.events.send(new PutEventsCommand({ Entries: [huge] })));
    expect(tooBig.name).toBe('ValidationException');
    expect(tooBig.message).toContain('over the limit');
  });

  it('names an EventBridge operation it does not implement', async () => {
    const error = await rejectionOf(clients.events.send(new ListRulesCommand({ EventBusName: BUS })));
    expect(error.name).toBe('UnknownOperationException');
    expect(error.message).toBe('local AWS endpoint does not implement EventBridge.ListRules');
  });
});

describe('EventBridge configuration', () => {
  it('refuses a rule with an unsupported pattern operator at start', async () => {
    const start = startAwsEndpoint({
      port: 0,
      queues: [{ name: 'q' }],
      buses: [{ busName: BUS, rules: [{ name: 'wild', eventPattern: { source: [{ wildcard: 'geo*' }] }, targets: [{ id: 't', queueName: 'q' }] }] }],
      scheduleGroups: [],
    });
    await expect(start).rejects.toThrow('rule wild: EventPattern.source: unknown operator "wildcard"');
  });

  it('refuses a rule whose target queue is not configured', async () => {
    const start = startAwsEndpoint({
      port: 0,
      queues: [],
      buses: [{ busName: BUS, rules: [{ name: 'r', eventPattern: { source: ['georedir'] }, targets: [{ id: 't', queueName: 'missing' }] }] }],
      scheduleGroups: [],
    });
    await expect(start).rejects.toThrow('names queue missing, which is not configured');
  });
});
