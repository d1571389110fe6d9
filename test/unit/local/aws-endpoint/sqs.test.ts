import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { ManualClock } from '../../../../local/aws-endpoint/clock';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { rejectionOf, type SdkClients, sdkClients } from '../../../support/sdk-clients';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('local SQS through the AWS SDK', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  let clock: ManualClock;
  let queueUrl: string;
  let dlqUrl: string;

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 1, 25, 14, 30, 0));
    endpoint = await startAwsEndpoint({
      port: 0,
      clock,
      queues: [
        { name: 'dispatch', visibilityTimeout: 30, redrive: { deadLetterTargetName: 'dispatch-dlq', maxReceiveCount: 2 } },
        { name: 'dispatch-dlq' },
      ],
      buses: [],
      scheduleGroups: [],
    });
    clients = sdkClients(endpoint.url);
    queueUrl = `${endpoint.url}/000000000000/dispatch`;
    dlqUrl = `${endpoint.url}/000000000000/dispatch-dlq`;
  });

  afterEach(async () => {
    clients.destroy();
    await endpoint.close();
  });

  const receive = (url: string, extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}) =>
    clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'], ...extra }));

  it('sends and receives with correct MD5s, system attributes and message attributes', async () => {
    const body = '{"event":"click","emoji":"📍"}';
    const sent = await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: { attempt: { DataType: 'Number', StringValue: '2' } },
      }),
    );
    expect(sent.MD5OfMessageBody).toBe(md5(body));
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);

    const { Messages } = await receive(queueUrl, { MessageAttributeNames: ['All'] });
    expect(Messages).toHaveLength(1);
    const [message] = Messages!;
    expect(message).toMatchObject({ MessageId: sent.MessageId, Body: body, MD5OfBody: md5(body) });
    expect(message!.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message!.MessageAttributes).toEqual({ attempt: { DataType: 'Number', StringValue: '2' } });
    expect(message!.Attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      SentTimestamp: String(clock.now()),
      ApproximateFirstReceiveTimestamp: String(clock.now()),
    });
  });

  it('only returns the system attributes that were asked for', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    const { Messages } = await receive(queueUrl, { MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    expect(Messages![0]!.Attributes).toEqual({ ApproximateReceiveCount: '1' });
  });

  it('hides a received message until its visibility timeout expires, then redelivers it with a higher count', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'retry me' }));
    const first = (await receive(queueUrl, { VisibilityTimeout: 10 })).Messages![0]!;
    expect(first.Attributes!.ApproximateReceiveCount).toBe('1');

    clock.advance(9_999);
    expect((await receive(queueUrl)).Messages ?? []).toHaveLength(0);

    clock.advance(1);
    const second = (await receive(queueUrl)).Messages![0]!;
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);
    expect(second.Attributes).toMatchObject({
      ApproximateReceiveCount: '2',
      ApproximateFirstReceiveTimestamp: first.Attributes!.ApproximateFirstReceiveTimestamp,
    });
  });

  it('ignores a delete with a stale receipt handle, like AWS, and deletes with the latest one', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'm' }));
    const first = (await receive(queueUrl, { VisibilityTimeout: 0 })).Messages![0]!;
    const second = (await receive(queueUrl, { VisibilityTimeout: 60 })).Messages![0]!;

    await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.ReceiptHandle }));
    expect(endpoint.sqs.peekMessages('dispatch')).toHaveLength(1);

    await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: second.ReceiptHandle }));
    expect(endpoint.sqs.peekMessages('dispatch')).toHaveLength(0);

    const invalid = await rejectionOf(clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'garbage' })));
    expect(invalid.name).toBe('ReceiptHandleIsInvalid');
  });

  it('moves a message to the dead-letter queue once its receive count would exceed maxReceiveCount', async () => {
    const sent = await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'poison' }));
    for (const expectedCount of ['1', '2']) {
      const message = (await receive(queueUrl, { VisibilityTimeout: 0 })).Messages![0]!;
      expect(message.Attributes!.ApproximateReceiveCount).toBe(expectedCount);
    }
    expect((await receive(queueUrl)).Messages ?? []).toHaveLength(0);

    const dead = (await receive(dlqUrl)).Messages![0]!;
    expect(dead).toMatchObject({ MessageId: sent.MessageId, Body: 'poison' });
    expect(dead.Attributes!.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:us-east-1:000000000000:dispatch');
  });

  it('never returns a message twice within one receive, even with visibility timeout 0', async () => {
    for (const body of ['a', 'b', 'c']) await clients.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body }));
    const { Messages } = await receive(dlqUrl, { MaxNumberOfMessages: 10, VisibilityTimeout: 0 });
    expect(Messages!.map((message) => message.Body)).toEqual(['a', 'b', 'c']);
  });

  it('keeps a delayed message invisible until its DelaySeconds have passed', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'later', DelaySeconds: 900 }));
    expect((await receive(queueUrl)).Messages ?? []).toHaveLength(0);
    const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesDelayed: '1' });

    clock.advance(899_999);
    expect((await receive(queueUrl)).Messages ?? []).toHaveLength(0);
    clock.advance(1);
    expect((await receive(queueUrl)).Messages![0]!.Body).toBe('later');
  });

  it('validates DelaySeconds, MaxNumberOfMessages and queue URLs with the AWS exception names', async () => {
    const tooLate = await rejectionOf(clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', DelaySeconds: 901 })));
    expect(tooLate.name).toBe('InvalidParameterValue');
    expect(tooLate.message).toContain('DelaySeconds');

    const tooMany = await rejectionOf(receive(queueUrl, { MaxNumberOfMessages: 11 }));
    expect(tooMany.name).toBe('InvalidParameterValue');

    const missing = await rejectionOf(clients.sqs.send(new SendMessageCommand({ QueueUrl: `${endpoint.url}/000000000000/nope`, MessageBody: 'x' })));
    expect(missing.name).toBe('QueueDoesNotExist');
    expect(missing).toMatchObject({ Code: 'AWS.SimpleQueueService.NonExistentQueue' });

    const byName = await rejectionOf(clients.sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })));
    expect(byName.name).toBe('QueueDoesNotExist');
  });

  it('reports per-entry results for batch send and delete', async () => {
    const batch = await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'ok-1', MessageBody: 'one' },
          { Id: 'too-late', MessageBody: 'two', DelaySeconds: 901 },
          { Id: 'ok-2', MessageBody: 'three' },
        ],
      }),
    );
    expect(batch.Successful!.map((entry) => [entry.Id, entry.MD5OfMessageBody])).toEqual([
      ['ok-1', md5('one')],
      ['ok-2', md5('three')],
    ]);
    expect(batch.Failed).toEqual([expect.objectContaining({ Id: 'too-late', SenderFault: true, Code: 'InvalidParameterValue' })]);

    const { Messages } = await receive(queueUrl, { MaxNumberOfMessages: 10 });
    expect(Messages).toHaveLength(2);
    const deleted = await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', ReceiptHandle: Messages![0]!.ReceiptHandle },
          { Id: 'b', ReceiptHandle: 'not-a-handle' },
          { Id: 'c', ReceiptHandle: Messages![1]!.ReceiptHandle },
        ],
      }),
    );
    expect(deleted.Successful!.map((entry) => entry.Id)).toEqual(['a', 'c']);
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'b', Code: 'ReceiptHandleIsInvalid' })]);
    expect(endpoint.sqs.peekMessages('dispatch')).toHaveLength(0);

    const duplicate = await rejectionOf(
      clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'x', MessageBody: '1' }, { Id: 'x', MessageBody: '2' }] })),
    );
    expect(duplicate.name).toBe('BatchEntryIdsNotDistinct');
    const tooMany = await rejectionOf(
      clients.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' })) }),
      ),
    );
    expect(tooMany.name).toBe('TooManyEntriesInBatchRequest');
  });

  it('changes the visibility of an in-flight message and refuses it for one that is not in flight', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'm' }));
    const message = (await receive(queueUrl)).Messages![0]!;
    await clients.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
    const again = (await receive(queueUrl, { VisibilityTimeout: 5 })).Messages![0]!;
    expect(again.Attributes!.ApproximateReceiveCount).toBe('2');

    clock.advance(5_000);
    const expired = await rejectionOf(
      clients.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: again.ReceiptHandle, VisibilityTimeout: 30 })),
    );
    expect(expired.name).toBe('InvalidParameterValue');
  });

  it('reports queue attributes like AWS', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'visible' }));
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'in flight' }));
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'delayed', DelaySeconds: 5 }));
    await receive(queueUrl);

    const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:dispatch',
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      VisibilityTimeout: '30',
    });
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dispatch-dlq',
      maxReceiveCount: 2,
    });

    const some = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    expect(some.Attributes).toEqual({ QueueArn: 'arn:aws:sqs:us-east-1:000000000000:dispatch' });
  });

  it('creates, lists, finds and purges queues', async () => {
    const created = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'extra', Attributes: { VisibilityTimeout: '5' } }));
    expect(created.QueueUrl).toBe(`${endpoint.url}/000000000000/extra`);
    const again = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'extra', Attributes: { VisibilityTimeout: '5' } }));
    expect(again.QueueUrl).toBe(created.QueueUrl);
    const conflicting = await rejectionOf(clients.sqs.send(new CreateQueueCommand({ QueueName: 'extra', Attributes: { VisibilityTimeout: '6' } })));
    expect(conflicting.name).toBe('QueueNameExists');

    const listed = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'dis' }));
    expect(listed.QueueUrls).toEqual([queueUrl, dlqUrl]);
    expect((await clients.sqs.send(new GetQueueUrlCommand({ QueueName: 'extra' }))).QueueUrl).toBe(created.QueueUrl);

    await clients.sqs.send(new SendMessageCommand({ QueueUrl: created.QueueUrl, MessageBody: 'x' }));
    await clients.sqs.send(new PurgeQueueCommand({ QueueUrl: created.QueueUrl }));
    expect(endpoint.sqs.peekMessages('extra')).toHaveLength(0);
  });

  it('names an operation it does not implement', async () => {
    const error = await rejectionOf(clients.sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: { a: 'b' } })));
    expect(error.name).toBe('UnknownOperationException');
    expect(error.message).toBe('local AWS endpoint does not implement SQS.TagQueue');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 });
  });
});

describe('local SQS in real time', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  let queueUrl: string;

  beforeAll(async () => {
    endpoint = await startAwsEndpoint({ port: 0, queues: [{ name: 'work', visibilityTimeout: 1 }], buses: [], scheduleGroups: [] });
    clients = sdkClients(endpoint.url);
    queueUrl = `${endpoint.url}/000000000000/work`;
  });

  afterAll(async () => {
    clients.destroy();
    await endpoint.close();
  });

  afterEach(() => endpoint.sqs.purgeQueue('work'));

  it('answers a long poll as soon as a message arrives', async () => {
    const started = Date.now();
    const polling = clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 10 }));
    setTimeout(() => void clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'wake up' })), 200);
    const { Messages } = await polling;
    expect(Messages![0]!.Body).toBe('wake up');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('drops a long poll whose client went away, so a later message is not taken for nobody', async () => {
    const abort = new AbortController();
    const polling = clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 10 }), { abortSignal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    abort.abort();
    await expect(polling).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 100));

    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'for the next poll' }));
    expect(endpoint.sqs.peekMessages('work').map((message) => message.receiveCount)).toEqual([0]);
  });

  it('answers a long poll with nothing when the wait ends', async () => {
    const started = Date.now();
    const { Messages } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(Messages ?? []).toHaveLength(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('delivers a delayed message to a waiting long poll when its delay ends', async () => {
    const started = Date.now();
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'in a second', DelaySeconds: 1 }));
    const { Messages } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }));
    const elapsed = Date.now() - started;
    expect(Messages![0]!.Body).toBe('in a second');
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(2_500);
  });

  it('redelivers to a waiting long poll when the visibility timeout expires', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not deleted' }));
    const first = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(first.Messages).toHaveLength(1);
    const second = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(second.Messages![0]!.Attributes!.ApproximateReceiveCount).toBe('2');
  });
});
