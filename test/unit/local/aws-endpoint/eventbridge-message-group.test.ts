// The local EventBridge evaluates a rule target's SqsParameters.MessageGroupId as AWS does: a
// static value as is, a dynamic path (the whole value a JSON path) read from each event. The
// dispatch rule's `$.detail.account_id` so makes each producer event's account its fair-queue tenant.
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ManualClock } from '../../../../local/aws-endpoint/clock';
import { EventBridgeEngine, parseDynamicPath } from '../../../../local/aws-endpoint/eventbridge';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { SqsEngine } from '../../../../local/aws-endpoint/sqs';
import { DISPATCH_MESSAGE_GROUP_ID } from '../../../../lib/webhook-delivery';
import { type SdkClients, sdkClients } from '../../../support/sdk-clients';

const BUS = 'georedir-webhooks';

describe('local EventBridge SqsParameters.MessageGroupId', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;

  beforeAll(async () => {
    endpoint = await startAwsEndpoint({
      port: 0,
      clock: new ManualClock(Date.UTC(2026, 1, 25, 14, 30, 0)),
      queues: [{ name: 'dispatch' }, { name: 'rule-dlq' }, { name: 'static' }, { name: 'indexed' }],
      buses: [
        {
          busName: BUS,
          rules: [
            { name: 'dispatch', eventPattern: { source: ['georedir'] }, targets: [{ id: 'Target0', queueName: 'dispatch', deadLetterQueueName: 'rule-dlq', messageGroupId: DISPATCH_MESSAGE_GROUP_ID }] },
            { name: 'static', eventPattern: { source: ['other'] }, targets: [{ id: 'Target0', queueName: 'static', messageGroupId: 'everyone' }] },
            { name: 'indexed', eventPattern: { source: ['other'] }, targets: [{ id: 'Target0', queueName: 'indexed', messageGroupId: '$.resources[1]' }] },
          ],
        },
      ],
      scheduleGroups: [],
    });
    clients = sdkClients(endpoint.url);
  });

  afterAll(async () => {
    clients.destroy();
    await endpoint.close();
  });

  afterEach(() => ['dispatch', 'rule-dlq', 'static', 'indexed'].forEach((queue) => endpoint.sqs.purgeQueue(queue)));

  const put = (source: string, detail: Record<string, unknown>, resources: string[] = []) =>
    clients.events.send(new PutEventsCommand({ Entries: [{ EventBusName: BUS, Source: source, DetailType: 'click', Detail: JSON.stringify(detail), Resources: resources }] }));
  const groups = (queue: string) => endpoint.sqs.peekMessages(queue).map((message) => message.messageGroupId);

  it('puts each producer event on the dispatch queue with its account_id as the message group', async () => {
    await put('georedir', { account_id: 'acct_a', data: {} });
    await put('georedir', { account_id: 'acct_b', data: {} });
    await put('georedir', { account_id: 'acct_a', data: {} });
    expect(groups('dispatch')).toEqual(['acct_a', 'acct_b', 'acct_a']);
    expect(endpoint.sqs.peekMessages('dispatch').map((message) => JSON.parse(message.body).detail.account_id)).toEqual(['acct_a', 'acct_b', 'acct_a']);
  });

  it('sends an event whose path finds no value without a group (its own tenant), so the dispatcher still sees it', async () => {
    await put('georedir', { data: {} });
    await put('georedir', { account_id: { nested: true }, data: {} });
    expect(groups('dispatch')).toEqual([undefined, undefined]);
  });

  it('dead-letters the event when SQS refuses the group the path found, as it would on AWS', async () => {
    await put('georedir', { account_id: 'has a space', data: {} });
    expect(groups('dispatch')).toEqual([]);
    const [dead] = endpoint.sqs.peekMessages('rule-dlq');
    expect(dead?.messageAttributes?.ERROR_MESSAGE?.StringValue).toMatch(/InvalidParameterValue.*MessageGroupId/);
  });

  it('uses a static value as it is, and reads array indexes', async () => {
    await put('other', { account_id: 'acct_a' }, ['arn:first', 'arn:second']);
    expect(groups('static')).toEqual(['everyone']);
    expect(groups('indexed')).toEqual(['arn:second']);
  });
});

describe('parseDynamicPath', () => {
  it.each([
    ['$.detail.account_id', ['detail', 'account_id']],
    ['$.detail.data-set.x_1', ['detail', 'data-set', 'x_1']],
    ['$.resources[0]', ['resources', 0]],
    ['static-group', undefined],
  ])('%s', (value, expected) => {
    expect(parseDynamicPath(value)).toEqual(expected);
  });

  it('refuses what the local run does not read (wildcards, bracketed names), and so does the engine given such a target', () => {
    expect(() => parseDynamicPath('$.detail.*')).toThrow(/unsupported syntax at "\.\*"/);
    expect(() => parseDynamicPath("$.detail['account_id']")).toThrow(/unsupported syntax/);
    const sqs = new SqsEngine({ endpointUrl: 'http://127.0.0.1:4566' });
    sqs.createQueue({ name: 'q' });
    expect(
      () => new EventBridgeEngine({ sqs, buses: [{ busName: 'b', rules: [{ name: 'r', eventPattern: { source: ['s'] }, targets: [{ id: 't', queueName: 'q', messageGroupId: '$.detail.*' }] }] }] }),
    ).toThrow(/dynamic path/);
    sqs.close();
  });
});
