// The local SQS enforces each queue's MaximumMessageSize as SQS does: SendMessage refuses a bigger
// message with InvalidParameterValue, SendMessageBatch fails that entry alone, and a batch over
// SQS's 1 MiB in all is refused whole with BatchRequestTooLong.
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { rejectionOf, type SdkClients, sdkClients } from '../../../support/sdk-clients';

const MIB = 1_048_576;

describe('local SQS message size', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  const url = (name: string) => endpoint.sqs.queueUrl(name);

  beforeAll(async () => {
    endpoint = await startAwsEndpoint({
      port: 0,
      queues: [{ name: 'default-size' }, { name: 'large', maximumMessageSize: MIB }, { name: 'small', maximumMessageSize: 1_024 }],
      buses: [],
      scheduleGroups: [],
    });
    clients = sdkClients(endpoint.url);
  });

  afterAll(async () => {
    clients.destroy();
    await endpoint.close();
  });

  afterEach(() => endpoint.sqs.listQueueNames().forEach((name) => endpoint.sqs.purgeQueue(name)));

  const maximumOf = async (name: string) =>
    (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url(name), AttributeNames: ['MaximumMessageSize'] }))).Attributes?.MaximumMessageSize;

  it("reports each queue's MaximumMessageSize, 262,144 (SQS's default) when none is set", async () => {
    expect(await maximumOf('default-size')).toBe('262144');
    expect(await maximumOf('large')).toBe(String(MIB));
    expect(await maximumOf('small')).toBe('1024');
  });

  it('SendMessage takes a message of exactly the maximum and refuses one byte more, counting attributes', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: url('default-size'), MessageBody: 'x'.repeat(262_144) }));
    const over = await rejectionOf(clients.sqs.send(new SendMessageCommand({ QueueUrl: url('default-size'), MessageBody: 'x'.repeat(262_145) })));
    expect(over).toMatchObject({ name: 'InvalidParameterValue', message: 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.' });

    // Name "a" + type "String" + value "b" = 8 bytes on top of the body.
    const withAttribute = { MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } } };
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: url('small'), MessageBody: 'x'.repeat(1_016), ...withAttribute }));
    const attributeOver = await rejectionOf(clients.sqs.send(new SendMessageCommand({ QueueUrl: url('small'), MessageBody: 'x'.repeat(1_017), ...withAttribute })));
    expect(attributeOver.name).toBe('InvalidParameterValue');
    // Bytes, not characters: 342 three-byte characters are 1,026 bytes.
    expect((await rejectionOf(clients.sqs.send(new SendMessageCommand({ QueueUrl: url('small'), MessageBody: '€'.repeat(342) })))).name).toBe('InvalidParameterValue');

    await clients.sqs.send(new SendMessageCommand({ QueueUrl: url('large'), MessageBody: 'x'.repeat(MIB) }));
    expect(endpoint.sqs.peekMessages('large')).toHaveLength(1);
  });

  it('SendMessageBatch fails only the entries over the queue maximum, and refuses a batch over 1 MiB in all', async () => {
    const batch = await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url('default-size'),
        Entries: [
          { Id: 'fits', MessageBody: 'x'.repeat(262_144) },
          { Id: 'too-big', MessageBody: 'x'.repeat(300_000) },
          { Id: 'small', MessageBody: 'y' },
        ],
      }),
    );
    expect(batch.Successful!.map((entry) => entry.Id)).toEqual(['fits', 'small']);
    expect(batch.Failed).toEqual([
      expect.objectContaining({ Id: 'too-big', SenderFault: true, Code: 'InvalidParameterValue', Message: expect.stringContaining('shorter than 262144 bytes') }),
    ]);

    const tooLong = await rejectionOf(
      clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url('large'),
          Entries: [
            { Id: 'a', MessageBody: 'x'.repeat(600_000) },
            { Id: 'b', MessageBody: 'x'.repeat(600_000) },
          ],
        }),
      ),
    );
    expect(tooLong).toMatchObject({ name: 'BatchRequestTooLong', message: expect.stringContaining('1200000 bytes') });
    expect(endpoint.sqs.peekMessages('large')).toHaveLength(0);
  });

  it('CreateQueue and SetQueueAttributes take MaximumMessageSize from 1,024 to 1,048,576', async () => {
    const created = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'made', Attributes: { MaximumMessageSize: '2048' } }));
    expect(await maximumOf('made')).toBe('2048');
    await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: created.QueueUrl, Attributes: { MaximumMessageSize: String(MIB) } }));
    expect(await maximumOf('made')).toBe(String(MIB));
    for (const value of ['1023', String(MIB + 1)]) {
      const refused = await rejectionOf(clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: created.QueueUrl, Attributes: { MaximumMessageSize: value } })));
      expect(refused.name).toBe('InvalidParameterValue');
    }
    endpoint.sqs.deleteQueue('made');
  });
});
