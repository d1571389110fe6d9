import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { OffsetClock, systemClock } from '../../../../local/aws-endpoint/clock';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { rejectionOf, sdkClients, type SdkClients } from '../../../support/sdk-clients';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:dispatch';

describe('OffsetClock', () => {
  it('runs in real time, jumps ahead on advance and tells subscribers; never goes back', () => {
    const clock = new OffsetClock();
    const seen: number[] = [];
    clock.subscribe(() => seen.push(clock.offset()));
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(50);
    clock.advance(90_000);
    expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(89_950);
    expect(seen).toEqual([90_000]);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(clock.offset()).toBe(90_000);
  });
});

describe('local control requests (/_local/)', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${endpoint.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    endpoint = await startAwsEndpoint({
      port: 0,
      queues: [{ name: 'dispatch' }],
      buses: [{ busName: 'bus', rules: [{ name: 'only-georedir', eventPattern: { source: ['georedir'] }, targets: [{ id: 'q', queueName: 'dispatch' }] }] }],
      scheduleGroups: ['retries'],
      clock: new OffsetClock(),
    });
    clients = sdkClients(endpoint.url);
  });

  afterAll(async () => {
    clients.destroy();
    await endpoint.close();
  });

  it('advancing the clock fires a due schedule and makes a delayed message visible', async () => {
    const queueUrl = endpoint.sqs.queueUrl('dispatch');
    const inOneHour = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19);
    await clients.scheduler.send(
      new CreateScheduleCommand({
        Name: 'later',
        GroupName: 'retries',
        ScheduleExpression: `at(${inOneHour})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: { Arn: QUEUE_ARN, RoleArn: 'arn:aws:iam::000000000000:role/r', Input: 'from-schedule' },
      }),
    );
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'delayed', DelaySeconds: 600 }));
    expect((await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }))).Messages ?? []).toEqual([]);

    const before = await control('GET', '/_local/clock');
    expect(before).toEqual({ status: 200, body: { now: expect.any(String), offsetSeconds: expect.any(Number) } });
    const advanced = await control('POST', '/_local/clock', { advanceSeconds: 3_601 });
    expect(advanced.status).toBe(200);
    expect(advanced.body.offsetSeconds).toBeGreaterThanOrEqual(3_600.9);

    const received = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect((received.Messages ?? []).map((message) => message.Body).sort()).toEqual(['delayed', 'from-schedule']);
    expect((await rejectionOf(clients.scheduler.send(new GetScheduleCommand({ Name: 'later', GroupName: 'retries' })))).name).toBe('ResourceNotFoundException');
  });

  it('refuses a negative or missing advance', async () => {
    expect((await control('POST', '/_local/clock', { advanceSeconds: -5 })).status).toBe(400);
    expect((await control('POST', '/_local/clock', {})).status).toBe(400);
    expect((await control('GET', '/_local/nothing')).status).toBe(404);
  });

  it('takes a JSON body sent without a content type, or as curl -d sends it (form-encoded)', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${endpoint.url}/_local/clock`, { method: 'POST', headers, body: new TextEncoder().encode('{"advanceSeconds":1}') });
    const bare = await post({});
    expect(bare.status).toBe(200);
    const curlDefault = await post({ 'content-type': 'application/x-www-form-urlencoded' });
    expect(curlDefault.status).toBe(200);
    expect(((await curlDefault.json()) as { offsetSeconds: number }).offsetSeconds).toBeGreaterThanOrEqual(((await bare.json()) as { offsetSeconds: number }).offsetSeconds + 0.9);
  });

  it('lists accepted events with the rules they matched, also those no rule matched', async () => {
    await clients.events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'bus', Source: 'georedir', DetailType: 'click', Detail: '{"n":1}' },
          { EventBusName: 'bus', Source: 'georedir.webhooks', DetailType: 'endpoint.disabled', Detail: '{"n":2}' },
        ],
      }),
    );
    const all = await control('GET', '/_local/events');
    expect(all.body.events).toEqual([
      { busName: 'bus', matchedRules: ['only-georedir'], event: expect.objectContaining({ source: 'georedir', detail: { n: 1 } }) },
      { busName: 'bus', matchedRules: [], event: expect.objectContaining({ source: 'georedir.webhooks', 'detail-type': 'endpoint.disabled', detail: { n: 2 } }) },
    ]);
    const filtered = await control('GET', '/_local/events?source=georedir.webhooks&detailType=endpoint.disabled');
    expect(filtered.body.events).toHaveLength(1);
  });

  it('says so when the clock cannot be advanced', async () => {
    const fixed = await startAwsEndpoint({ port: 0, queues: [], buses: [], scheduleGroups: [], clock: systemClock });
    try {
      const response = await fetch(`${fixed.url}/_local/clock`, { method: 'POST', body: '{"advanceSeconds":1}' });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ Message: 'this endpoint runs on a clock that cannot be advanced' });
    } finally {
      await fixed.close();
    }
  });
});
