// The local EventBridge's failure path: an accepted event whose send to a rule's SQS target fails
// (here: larger than the queue's MaximumMessageSize) goes to the target's dead-letter queue with
// the message attributes AWS puts there, instead of vanishing; without one it is dropped with a
// line an operator sees.
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ManualClock } from '../../../../local/aws-endpoint/clock';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { type SdkClients, sdkClients } from '../../../support/sdk-clients';

const BUS = 'georedir-webhooks';

describe('local EventBridge rule-target dead-letter queue', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  let warnings: string[];
  let verbose: string[];

  beforeEach(async () => {
    warnings = [];
    verbose = [];
    endpoint = await startAwsEndpoint({
      port: 0,
      clock: new ManualClock(Date.UTC(2026, 1, 25, 14, 30, 0)),
      queues: [
        { name: 'dispatch', maximumMessageSize: 2_048 },
        { name: 'rule-dlq', maximumMessageSize: 1_048_576 },
        { name: 'no-dlq-target', maximumMessageSize: 2_048 },
      ],
      buses: [
        {
          busName: BUS,
          rules: [
            { name: 'dispatch', eventPattern: { source: ['georedir'] }, targets: [{ id: 'Target0', queueName: 'dispatch', deadLetterQueueName: 'rule-dlq' }] },
            { name: 'bare', eventPattern: { source: ['other'] }, targets: [{ id: 'Target0', queueName: 'no-dlq-target' }] },
          ],
        },
      ],
      scheduleGroups: [],
      log: (line) => verbose.push(line),
      warn: (line) => warnings.push(line),
    });
    clients = sdkClients(endpoint.url);
  });

  afterEach(async () => {
    clients.destroy();
    await endpoint.close();
  });

  const put = async (source: string, size: number) => {
    const detail = JSON.stringify({ account_id: 'acct_1', data: { note: 'x'.repeat(size) } });
    const answer = await clients.events.send(new PutEventsCommand({ Entries: [{ EventBusName: BUS, Source: source, DetailType: 'click', Detail: detail }] }));
    // PutEvents accepted it: what happens at the target is EventBridge's business, not the producer's.
    expect(answer.FailedEntryCount).toBe(0);
    return answer.Entries![0]!.EventId!;
  };

  it('an event that fits goes to the target; the dead-letter queue stays empty', async () => {
    await put('georedir', 100);
    expect(endpoint.sqs.peekMessages('dispatch')).toHaveLength(1);
    expect(endpoint.sqs.peekMessages('rule-dlq')).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('an event over the target queue maximum goes to the dead-letter queue with RULE_ARN, TARGET_ARN, ERROR_CODE and ERROR_MESSAGE', async () => {
    const eventId = await put('georedir', 3_000);
    expect(endpoint.sqs.peekMessages('dispatch')).toEqual([]);

    const { Messages } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: endpoint.sqs.queueUrl('rule-dlq'), MessageAttributeNames: ['All'], MaxNumberOfMessages: 10 }),
    );
    expect(Messages).toHaveLength(1);
    const [message] = Messages!;
    // The body is the envelope the target would have received.
    expect(JSON.parse(message!.Body!)).toMatchObject({ id: eventId, source: 'georedir', 'detail-type': 'click', detail: { account_id: 'acct_1' } });
    const attributes = Object.fromEntries(Object.entries(message!.MessageAttributes!).map(([name, value]) => [name, value.StringValue]));
    expect(attributes).toEqual({
      RULE_ARN: `arn:aws:events:us-east-1:000000000000:rule/${BUS}/dispatch`,
      TARGET_ARN: 'arn:aws:sqs:us-east-1:000000000000:dispatch',
      ERROR_CODE: 'SDK_CLIENT_ERROR',
      ERROR_MESSAGE: 'InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 2048 bytes.',
      RETRY_ATTEMPTS: '0',
    });
    // Said without --verbose, since nobody else is told.
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`could not deliver ${eventId} to dispatch .*dead-lettered to rule-dlq`))]);
  });

  it('without a dead-letter queue the event is dropped, as on AWS, with a line saying so', async () => {
    const eventId = await put('other', 3_000);
    expect(endpoint.sqs.peekMessages('no-dlq-target')).toEqual([]);
    expect(endpoint.sqs.peekMessages('rule-dlq')).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`could not deliver ${eventId} to no-dlq-target .*no dead-letter queue, dropped`))]);
  });

  it('refuses a rule whose dead-letter queue is not configured', async () => {
    await expect(
      startAwsEndpoint({
        port: 0,
        queues: [{ name: 'dispatch' }],
        buses: [{ busName: BUS, rules: [{ name: 'r', eventPattern: { source: ['georedir'] }, targets: [{ id: 't', queueName: 'dispatch', deadLetterQueueName: 'gone' }] }] }],
        scheduleGroups: [],
      }),
    ).rejects.toThrow('target t of rule r names queue gone, which is not configured');
  });
});
